import type { ConnectionSummary } from '../../../shared/connection.ts';
import { ConnectionStatusPill } from './ConnectionStatusPill.tsx';
import {
  formatAbsoluteTime,
  formatContactCount,
  formatRelativeTime,
  formatSyncInterval,
} from './connection-format.ts';
import '../styles/propsync.css';

export type ConnectionListProps = {
  connections: ConnectionSummary[];
  /** The moment relative times are measured from; fixed in stories and tests so they do not drift. */
  now?: Date;
};

/**
 * The agency's CRM connections as cards: provider, status, contacts imported, last sync and the
 * last error. Purely presentational; `IntegrationsPage` supplies the data.
 */
export function ConnectionList({ connections, now = new Date() }: ConnectionListProps) {
  if (connections.length === 0) {
    return (
      <section
        className="propsync-connection-list propsync-connection-list--empty"
        aria-label="CRM connections"
      >
        <p className="propsync-empty-state__title">No CRM connected yet</p>
        <p className="propsync-empty-state__text">
          Connect your CRM to bring your contacts in and keep them in sync automatically.
        </p>
      </section>
    );
  }

  return (
    <section className="propsync-connection-list" aria-label="CRM connections">
      <ul className="propsync-connection-list__items">
        {connections.map((connection) => (
          <li key={connection.id} className="propsync-connection-list__item">
            <ConnectionCard connection={connection} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function ConnectionCard({ connection, now }: { connection: ConnectionSummary; now: Date }) {
  const headingId = `propsync-connection-${connection.id}`;
  return (
    <article
      className={`propsync-connection-card propsync-connection-card--${connection.status}`}
      aria-labelledby={headingId}
      data-testid={`connection-card-${connection.provider}`}
    >
      <header className="propsync-connection-card__header">
        <h2 id={headingId} className="propsync-connection-card__name">
          {connection.providerName}
        </h2>
        <ConnectionStatusPill status={connection.status} />
      </header>

      <dl className="propsync-connection-card__facts">
        <div className="propsync-connection-card__fact">
          <dt>Contacts</dt>
          <dd data-testid="contact-count" data-count={connection.contactCount}>
            {formatContactCount(connection.contactCount)}
          </dd>
        </div>
        <div className="propsync-connection-card__fact">
          <dt>Last synced</dt>
          <dd data-testid="last-synced">
            {connection.lastSyncedAt ? (
              <time dateTime={connection.lastSyncedAt} title={formatAbsoluteTime(connection.lastSyncedAt)}>
                {formatRelativeTime(connection.lastSyncedAt, now)}
              </time>
            ) : connection.status === 'active' ? (
              // Active with no completed sync: the first import is queued or running.
              'First sync in progress'
            ) : (
              'Never'
            )}
          </dd>
        </div>
        <div className="propsync-connection-card__fact">
          <dt>Schedule</dt>
          <dd>{formatSyncInterval(connection.syncIntervalMinutes)}</dd>
        </div>
      </dl>

      {connection.currentSync ? <SyncProgress sync={connection.currentSync} /> : null}

      {connection.lastErrorMessage ? (
        <div className="propsync-connection-card__error" data-testid="last-error">
          <p className="propsync-connection-card__error-title">
            Last error
            {connection.lastErrorAt ? (
              <>
                {' · '}
                <time dateTime={connection.lastErrorAt} title={formatAbsoluteTime(connection.lastErrorAt)}>
                  {formatRelativeTime(connection.lastErrorAt, now)}
                </time>
              </>
            ) : null}
          </p>
          <p className="propsync-connection-card__error-message">{connection.lastErrorMessage}</p>
        </div>
      ) : null}
    </article>
  );
}

/** Records so far of the CRM's estimate; an indeterminate bar until the CRM says how many. */
function SyncProgress({ sync }: { sync: NonNullable<ConnectionSummary['currentSync']> }) {
  const total = sync.estimatedTotal;
  const label =
    total !== null && total > 0
      ? `Syncing: ${sync.fetched.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} records`
      : `Syncing: ${sync.fetched.toLocaleString('en-GB')} records so far`;
  return (
    <div className="propsync-connection-card__progress" data-testid="sync-progress">
      <p className="propsync-connection-card__progress-label">{label}</p>
      <progress
        aria-label={label}
        max={total !== null && total > 0 ? total : undefined}
        value={total !== null && total > 0 ? Math.min(sync.fetched, total) : undefined}
      />
    </div>
  );
}
