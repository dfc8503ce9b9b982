import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { ConnectionIssueCounts } from '../../../shared/api/failed-write.dto.ts';
import { ConnectionCard, type ConnectionCardActions } from './ConnectionCard.tsx';
import '../styles/propsync.css';

export type ConnectionListProps = ConnectionCardActions & {
  connections: ConnectionSummary[];
  /** Viewers see the cards without actions. */
  readOnly?: boolean;
  /** Connections with an action in flight. */
  busyConnectionIds?: ReadonlySet<string>;
  /** The moment relative times are measured from; fixed in stories and tests so they do not drift. */
  now?: Date;
  /** Parked, dead-lettered and refused counts per connection (connections with none may be absent). */
  issueCounts?: readonly ConnectionIssueCounts[] | undefined;
};

/**
 * The agency's CRM connections as cards: provider, status, contacts imported, last sync and the
 * last error. Purely presentational; `IntegrationsPage` supplies the data.
 */
export function ConnectionList({
  connections,
  now = new Date(),
  readOnly = false,
  busyConnectionIds,
  issueCounts,
  ...actions
}: ConnectionListProps) {
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
            <ConnectionCard
              connection={connection}
              now={now}
              readOnly={readOnly}
              busy={busyConnectionIds?.has(connection.id) ?? false}
              issues={issueCounts?.find((counts) => counts.connectionId === connection.id)}
              {...actions}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
