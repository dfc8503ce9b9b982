import { IntegrationsPage, PropsyncProvider } from '@propsync/embed';
import '@propsync/embed/styles.css';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './host.css';

const PROPSYNC_URL = import.meta.env.VITE_PROPSYNC_URL;

/** The host's theme: plain CSS variables on an element that contains Propsync. */
const THEMES = {
  Default: {},
  Dark: {
    '--propsync-color-background': '#0b1120',
    '--propsync-color-surface': '#111827',
    '--propsync-color-text': '#f3f4f6',
    '--propsync-color-text-muted': '#cbd5e1',
    '--propsync-color-border': '#374151',
    '--propsync-color-accent': '#60a5fa',
    '--propsync-color-accent-text': '#0b1120',
    '--propsync-color-danger': '#fca5a5',
    '--propsync-color-danger-surface': '#3f1d1d',
    '--propsync-color-success': '#86efac',
    '--propsync-color-success-surface': '#14301f',
    '--propsync-color-warning': '#fcd34d',
    '--propsync-color-warning-surface': '#33260b',
    '--propsync-color-neutral': '#d1d5db',
    '--propsync-color-neutral-surface': '#1f2937',
    background: '#0b1120',
    padding: 16,
  },
  'Green accent': { '--propsync-color-accent': '#15803d' },
};

/** Embed tokens come from the host's own backend; reuse one until a minute before it expires. */
let cached = null;
async function getPropsyncToken() {
  if (cached && Date.parse(cached.expiresAt) - Date.now() > 60_000) return cached.token;
  const response = await fetch('/api/propsync-token');
  if (!response.ok) throw new Error(`The host could not get a Propsync token (${response.status})`);
  cached = await response.json();
  return cached.token;
}

function SettingsPage() {
  const [theme, setTheme] = useState('Default');
  return (
    <>
      <div className="host-bar">
        <strong>Harbour CRM Cloud</strong>
        <label htmlFor="theme">Theme</label>
        <select id="theme" value={theme} onChange={(event) => setTheme(event.target.value)}>
          {Object.keys(THEMES).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </div>
      <main style={THEMES[theme]}>
        <PropsyncProvider baseUrl={PROPSYNC_URL} getToken={getPropsyncToken}>
          <IntegrationsPage onViewContact={(contactId) => console.info('open contact', contactId)} />
        </PropsyncProvider>
      </main>
    </>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <SettingsPage />
  </StrictMode>,
);
