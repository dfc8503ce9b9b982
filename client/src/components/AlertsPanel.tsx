import { useId, useState } from 'react';
import type { AlertView } from '../lib/router-types.ts';
import { ActionButtons } from './ActionButtons.tsx';
import { formatShortDateTime } from './audit-format.ts';
import '../styles/propsync.css';

type AlertAction = NonNullable<AlertView['action']>;

export type AlertsPanelProps = {
  alerts: AlertView[];
  /** Runs the alert's troubleshooting action (reconnect, retry, …); without it, no action button. */
  onAction?: (alert: AlertView, action: AlertAction) => void;
  onAcknowledge?: (alert: AlertView) => void;
  /** Alerts with an acknowledgement or action in flight. */
  busyAlertIds?: ReadonlySet<string>;
  /** Viewers see alerts but cannot act on them. */
  readOnly?: boolean;
  /** How many alerts show before "Show all" (default 3): a day of hot leads must not bury the page. */
  collapsedCount?: number;
};

/** What to do about each kind of alert, from the connectors' troubleshooting guide. */
const TROUBLESHOOTING: Record<AlertView['kind'], string> = {
  credentials_rejected: 'The CRM no longer accepts the stored credentials. Reconnect with new ones.',
  permission_denied:
    'Confirm the API access includes contact and activity log permissions in your CRM account settings.',
  connection_failing:
    'Propsync keeps retrying with back-off. If this persists, check the CRM status page or reconnect.',
  webhook_registration_failed:
    'Contacts may not appear until the next scheduled sync. Disconnect and reconnect the integration to re-register webhooks.',
  rate_limited:
    'The CRM is throttling requests; syncs slow down automatically. Nothing to do unless it persists.',
  hot_lead: 'This contact crossed the hot-lead threshold.',
  sync_failed: 'The last sync failed after its retries. Retry it now, or wait for the next scheduled sync.',
  delivery_dead_lettered:
    'A webhook delivery could not be applied within its retry window and was set aside. The next scheduled sync reads the record again.',
  write_refused:
    'The CRM refused this write-back for good. Fix the record in the CRM, then retry it from the failed writes list, or dismiss it.',
};

function actionLabel(alert: AlertView, action: AlertAction): string {
  switch (action) {
    case 'reconnect':
      return alert.kind === 'webhook_registration_failed'
        ? 'Reconnect to re-register webhooks'
        : `Reconnect ${alert.providerName ?? 'the CRM'}`;
    case 'check_permissions':
      return 'Check permissions and reconnect';
    case 'retry_sync':
      return 'Retry sync now';
    case 'view_contact':
      return 'View contact';
  }
}

const SEVERITY_LABELS = { info: 'Information', warning: 'Warning', critical: 'Critical' } as const;
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/**
 * Connection problems before hot leads, most severe first, newest first within each (the API's
 * order, kept by the stable sort): a broken connection must show above a flood of good news.
 */
export function alertsByUrgency(alerts: readonly AlertView[]): AlertView[] {
  const rank = (alert: AlertView) => (alert.kind === 'hot_lead' ? 3 : 0) + SEVERITY_RANK[alert.severity];
  return [...alerts].sort((a, b) => rank(a) - rank(b));
}

/**
 * Actionable alerts, connection problems first, each with what to do and a button that does it;
 * the first `collapsedCount` show until the admin asks for all.
 */
export function AlertsPanel({
  alerts,
  onAction,
  onAcknowledge,
  busyAlertIds,
  readOnly = false,
  collapsedCount = 3,
}: AlertsPanelProps) {
  const headingId = useId();
  const listId = `${headingId}-list`;
  const [expanded, setExpanded] = useState(false);
  const ordered = alertsByUrgency(alerts);
  const hidden = expanded ? 0 : Math.max(0, ordered.length - collapsedCount);
  const shown = hidden > 0 ? ordered.slice(0, collapsedCount) : ordered;
  return (
    <section className="propsync-alerts" aria-labelledby={headingId}>
      <h2 id={headingId} className="propsync-section-title">
        Alerts
      </h2>
      {alerts.length === 0 ? (
        <p className="propsync-muted" data-testid="alerts-empty">
          No alerts: every connection is working.
        </p>
      ) : (
        <ul id={listId} className="propsync-alerts__list">
          {shown.map((alert) => {
            const busy = busyAlertIds?.has(alert.id) ?? false;
            const titleId = `${headingId}-${alert.id}`;
            return (
              <li
                key={alert.id}
                className={`propsync-alert propsync-alert--${alert.severity}${
                  alert.acknowledgedAt ? ' propsync-alert--acknowledged' : ''
                }`}
                data-testid="alert"
              >
                <p id={titleId} className="propsync-alert__title">
                  <span className="propsync-alert__severity">{SEVERITY_LABELS[alert.severity]}</span>
                  {alert.providerName ? ` · ${alert.providerName}` : ''}
                  {' · '}
                  <time dateTime={alert.createdAt}>{formatShortDateTime(alert.createdAt)}</time>
                  {alert.acknowledgedAt ? ' · Acknowledged' : ''}
                </p>
                <p className="propsync-alert__message">{alert.message}</p>
                <p className="propsync-alert__help">{TROUBLESHOOTING[alert.kind]}</p>
                {!readOnly && (onAction || onAcknowledge) ? (
                  <ActionButtons
                    className="propsync-alert__actions"
                    busy={busy}
                    actions={[
                      alert.action &&
                        onAction && {
                          label: actionLabel(alert, alert.action),
                          onClick: () => onAction(alert, alert.action!),
                        },
                      !alert.acknowledgedAt &&
                        onAcknowledge && {
                          label: 'Acknowledge',
                          secondary: true,
                          onClick: () => onAcknowledge(alert),
                        },
                    ]}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {ordered.length > collapsedCount ? (
        <button
          type="button"
          className="propsync-button propsync-button--secondary propsync-alerts__toggle"
          aria-expanded={expanded}
          aria-controls={listId}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Show fewer alerts' : `Show all ${ordered.length} alerts (${hidden} more)`}
        </button>
      ) : null}
    </section>
  );
}
