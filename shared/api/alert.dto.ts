import type { PageInput } from './page.dto.ts';
import type { CrmProvider } from './provider.dto.ts';

export type AlertKind =
  | 'credentials_rejected'
  | 'permission_denied'
  | 'connection_failing'
  | 'webhook_registration_failed'
  | 'rate_limited'
  | 'hot_lead'
  | 'sync_failed'
  | 'delivery_dead_lettered'
  | 'write_refused';
export type AlertAction = 'reconnect' | 'check_permissions' | 'retry_sync' | 'view_contact';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export type AlertView = {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  action: AlertAction | null;
  connectionId: string | null;
  provider: CrmProvider | null;
  providerName: string | null;
  contactId: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
};

/** `alerts.list`: open (not acknowledged), unresolved (the default) or all. */
export type AlertListInput = PageInput & { state?: 'open' | 'unresolved' | 'all'; connectionId?: string };
export type AcknowledgeAlertInput = { alertId: string };
