import { useConnections } from '../hooks/useConnections.ts';
import { ConnectionList } from './ConnectionList.tsx';
import '../styles/propsync.css';

/**
 * The integrations settings page a host mounts at `/dashboard/settings/integrations`. Needs a
 * `PropsyncProvider` above it.
 */
export function IntegrationsPage() {
  const connections = useConnections();

  return (
    <div className="propsync-root propsync-integrations-page">
      <header className="propsync-page-header">
        <h1 className="propsync-page-header__title">Integrations</h1>
        <p className="propsync-page-header__lead">
          Your CRM connections. Contacts sync in both directions on a schedule.
        </p>
      </header>

      {connections.data ? (
        <>
          {connections.isError ? (
            // Keep showing the last good list; say it may be out of date.
            <p className="propsync-notice propsync-notice--warning" role="status">
              Could not refresh: {connections.error.message}. Showing the last known state.
            </p>
          ) : null}
          <ConnectionList connections={connections.data} />
        </>
      ) : connections.isError ? (
        <div className="propsync-notice propsync-notice--error" role="alert">
          <p>Could not load your connections: {connections.error.message}</p>
          <button type="button" className="propsync-button" onClick={() => void connections.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <p className="propsync-notice" role="status" aria-live="polite">
          Loading connections…
        </p>
      )}
    </div>
  );
}
