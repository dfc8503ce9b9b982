import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { useAcknowledgeAlert, useAlerts } from '../hooks/useAlerts.ts';
import { useApiUnavailable } from '../hooks/useConnections.ts';
import type { AlertView } from '../lib/router-types.ts';
import { AlertsPanel } from './AlertsPanel.tsx';
import type { PageNotice } from './IntegrationsPageView.tsx';
import { QueryPanelError } from './PanelError.tsx';

export type AlertsSectionProps = {
  /** The connections the alerts' actions act on. */
  connections: ConnectionSummary[] | undefined;
  readOnly?: boolean;
  onRetrySync: (connection: ConnectionSummary) => void;
  /** Reconnect and check-permissions both end in connecting again with fixed access. */
  onReconnect: (connection: ConnectionSummary) => void;
  /** Opens a contact in the host application (hot-lead alerts). */
  onViewContact?: ((contactId: string) => void) | undefined;
  /** Where an action that cannot be taken is said. */
  announce: (notice: PageNotice) => void;
};

/** The unresolved alerts, each with its troubleshooting action and an acknowledge button. */
export function AlertsSection({
  connections,
  readOnly = false,
  onRetrySync,
  onReconnect,
  onViewContact,
  announce,
}: AlertsSectionProps) {
  const alerts = useAlerts();
  const acknowledge = useAcknowledgeAlert();
  const apiUnavailable = useApiUnavailable();

  const onAction = (alert: AlertView, action: NonNullable<AlertView['action']>) => {
    if (action === 'view_contact') {
      if (alert.contactId) onViewContact?.(alert.contactId);
      return;
    }
    const connection = connections?.find((candidate) => candidate.id === alert.connectionId);
    if (!connection) announce({ tone: 'error', text: 'That connection no longer exists.' });
    else if (action === 'retry_sync') onRetrySync(connection);
    else onReconnect(connection);
  };

  // Propsync cannot be called at all: the connection list says so, once.
  if (alerts.isError) return apiUnavailable ? null : <QueryPanelError what="the alerts" query={alerts} />;
  if (!alerts.data || alerts.data.items.length === 0) return null;
  return (
    <AlertsPanel
      alerts={alerts.data.items}
      readOnly={readOnly}
      busyAlertIds={
        acknowledge.isPending && acknowledge.variables ? new Set([acknowledge.variables.alertId]) : undefined
      }
      onAcknowledge={(alert) => acknowledge.mutate({ alertId: alert.id })}
      onAction={onAction}
    />
  );
}
