import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export type AlertKind =
  | 'credentials_rejected'
  | 'permission_denied'
  | 'connection_failing'
  | 'webhook_registration_failed'
  | 'rate_limited'
  | 'hot_lead'
  | 'sync_failed';
export type AlertAction = 'reconnect' | 'check_permissions' | 'retry_sync' | 'view_contact';

export const Alert = defineEntity({
  name: 'Alert',
  tableName: 'alerts',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    connectionId: p.uuid().nullable(),
    contactId: p.uuid().nullable(),
    kind: p.text().$type<AlertKind>(),
    severity: p.text().$type<'info' | 'warning' | 'critical'>(),
    message: p.text(),
    action: p.text().$type<AlertAction>().nullable(),
    dedupeKey: p.text().nullable(),
    acknowledgedAt: p.datetime().nullable(),
    resolvedAt: p.datetime().nullable(),
  },
});
