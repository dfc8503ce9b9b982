import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { DemoHost, INTEGRATIONS_PATH } from './demo/DemoHost.tsx';

// The demo host has one real page; send the bare origin straight to it.
if (window.location.pathname === '/') {
  window.history.replaceState(null, '', INTEGRATIONS_PATH);
}

const container = document.getElementById('root');
if (!container) throw new Error('The demo host page has no #root element');

createRoot(container).render(
  <StrictMode>
    <DemoHost pathname={window.location.pathname} />
  </StrictMode>,
);
