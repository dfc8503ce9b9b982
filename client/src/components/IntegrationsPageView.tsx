import type { ReactNode } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { ConnectionList, type ConnectionListProps } from './ConnectionList.tsx';
import '../styles/propsync.css';

/** A short result of the last action ("Sync queued for Reapit"), announced politely. */
export type PageNotice = { tone: 'info' | 'error'; text: string };

export type IntegrationsPageViewProps = {
  /** Undefined while the first load is in flight. */
  connections: ConnectionSummary[] | undefined;
  connectionsError?: string | null;
  onRetryConnections?: () => void;
  /** Card actions, busy connections and read-only mode, passed to every card. */
  cardProps?: Omit<ConnectionListProps, 'connections' | 'now'>;
  notice?: PageNotice | null;
  /** The connect form, or the button that opens it; absent for viewers. */
  connectSlot?: ReactNode;
  /** The field-mapping review of a connection (confirmed before going live: docs/product-rules.md). */
  mappingSlot?: ReactNode;
  alertsSlot?: ReactNode;
  historySlot?: ReactNode;
  auditLogSlot?: ReactNode;
  now?: Date;
};

/**
 * The integrations settings page laid out from its parts: alerts first (they need action), then
 * the connection cards and the connect form, the sync history chart and the audit log. Purely
 * presentational; `IntegrationsPage` wires it to the API.
 */
export function IntegrationsPageView({
  connections,
  connectionsError = null,
  onRetryConnections,
  cardProps,
  notice = null,
  connectSlot,
  mappingSlot,
  alertsSlot,
  historySlot,
  auditLogSlot,
  now,
}: IntegrationsPageViewProps) {
  return (
    <div className="propsync-root propsync-integrations-page">
      {/* Not a <header>: that would add a banner landmark to the host's page. */}
      <div className="propsync-page-header">
        <h1 className="propsync-page-header__title">Integrations</h1>
        <p className="propsync-page-header__lead">
          Your CRM connections. Contacts sync in both directions on a schedule.
        </p>
      </div>

      <div role="status" aria-live="polite" className="propsync-page-notice">
        {notice ? (
          <p className={`propsync-notice propsync-notice--${notice.tone === 'error' ? 'error' : 'info'}`}>
            {notice.text}
          </p>
        ) : null}
      </div>

      {alertsSlot}

      {connections ? (
        <>
          {connectionsError ? (
            // Keep showing the last good list; say it may be out of date.
            <p className="propsync-notice propsync-notice--warning" role="status">
              Could not refresh: {connectionsError}. Showing the last known state.
            </p>
          ) : null}
          <ConnectionList connections={connections} {...(now ? { now } : {})} {...cardProps} />
        </>
      ) : connectionsError ? (
        <div className="propsync-notice propsync-notice--error" role="alert">
          <p>Could not load your connections: {connectionsError}</p>
          {onRetryConnections ? (
            <button type="button" className="propsync-button" onClick={onRetryConnections}>
              Try again
            </button>
          ) : null}
        </div>
      ) : (
        <p className="propsync-notice" role="status" aria-live="polite">
          Loading connections…
        </p>
      )}

      {connectSlot ? <div className="propsync-integrations-page__connect">{connectSlot}</div> : null}
      {mappingSlot ? <div className="propsync-integrations-page__mapping">{mappingSlot}</div> : null}
      {historySlot ? <div className="propsync-integrations-page__history">{historySlot}</div> : null}
      {auditLogSlot ? <div className="propsync-integrations-page__audit">{auditLogSlot}</div> : null}
    </div>
  );
}
