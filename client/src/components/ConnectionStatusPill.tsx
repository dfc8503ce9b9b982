import type { ConnectionStatus } from '../../../shared/api/provider.dto.ts';
import '../styles/propsync.css';

const STATUS_LABELS = {
  active: 'Active',
  error: 'Error',
  disconnected: 'Disconnected',
} as const satisfies Record<ConnectionStatus, string>;

/** A connection's status as colour and text, so it never relies on colour alone. */
export function ConnectionStatusPill({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`propsync-status propsync-status--${status}`} data-status={status}>
      <span className="propsync-status__dot" aria-hidden="true" />
      <span className="propsync-visually-hidden">Status: </span>
      {STATUS_LABELS[status]}
    </span>
  );
}
