import { useEffect, useState } from 'react';
import { IntegrationsPage } from '../components/IntegrationsPage.tsx';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import { createDemoTokenSource, waitForDemoSession } from './demo-session.ts';
import './demo-host.css';

export const INTEGRATIONS_PATH = '/dashboard/settings/integrations';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; organisationName: string; getToken: () => Promise<string> };

/**
 * A stand-in for the host application (a NurtureHub-like dashboard) that embeds Propsync the way a
 * real host would: it mints a token for its signed-in admin and mounts the Propsync page.
 */
export function DemoHost({ pathname }: { pathname: string }) {
  const [session, setSession] = useState<SessionState>({ kind: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    waitForDemoSession(abort.signal).then(
      (demoSession) =>
        setSession({
          kind: 'ready',
          organisationName: demoSession.organisationName,
          getToken: createDemoTokenSource(demoSession),
        }),
      (error: unknown) => {
        if (!abort.signal.aborted) {
          setSession({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
        }
      },
    );
    return () => abort.abort();
  }, []);

  return (
    <div className="demo-host">
      <div className="demo-host__banner">Demo host: NurtureHub-like dashboard</div>
      <header className="demo-host__topbar">
        <span className="demo-host__brand">NurtureHub</span>
        <span className="demo-host__organisation">
          {session.kind === 'ready'
            ? session.organisationName
            : session.kind === 'loading'
              ? 'Signing in…'
              : ''}
        </span>
      </header>
      <div className="demo-host__body">
        <nav className="demo-host__nav" aria-label="Dashboard">
          <span className="demo-host__nav-item">Dashboard</span>
          <span className="demo-host__nav-item">Contacts</span>
          <span className="demo-host__nav-item">Campaigns</span>
          <a
            className="demo-host__nav-item demo-host__nav-item--current"
            href={INTEGRATIONS_PATH}
            aria-current={pathname === INTEGRATIONS_PATH ? 'page' : undefined}
          >
            Settings · Integrations
          </a>
        </nav>
        <main className="demo-host__main">
          {pathname !== INTEGRATIONS_PATH ? (
            <p>
              Nothing here in the demo. Go to <a href={INTEGRATIONS_PATH}>Integrations</a>.
            </p>
          ) : session.kind === 'loading' ? (
            <p role="status">Signing in to the demo agency…</p>
          ) : session.kind === 'failed' ? (
            <p role="alert">
              The demo host could not get an embed token ({session.message}). Is the Propsync server running
              in development mode?
            </p>
          ) : (
            <PropsyncProvider getToken={session.getToken}>
              <IntegrationsPage />
            </PropsyncProvider>
          )}
        </main>
      </div>
    </div>
  );
}
