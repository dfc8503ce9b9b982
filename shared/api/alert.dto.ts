import type { CrmProvider } from './provider.dto.ts';

export type AlertKind =
  | 'credentials_rejected'
  | 'permission_denied'
  | 'connection_failing'
  | 'webhook_registration_failed'
  | 'rate_limited'
  | 'hot_lead'
  | 'sync_failed';
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
