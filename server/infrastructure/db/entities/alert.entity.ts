import type { AlertAction, AlertKind, AlertSeverity } from '../../../../shared/api/alert.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';
import { oneOfCheck } from './base.ts';
import { Contact } from './contact.entity.ts';
import { formerConnection, organisationRowProperties } from './owners.ts';

export type { AlertAction, AlertKind };

export const ALERT_KINDS = [
  'credentials_rejected',
  'permission_denied',
  'connection_failing',
  'webhook_registration_failed',
  'rate_limited',
  'hot_lead',
  'sync_failed',
  'delivery_dead_lettered',
  'write_refused',
] as const satisfies readonly AlertKind[];
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly AlertSeverity[];
export const ALERT_ACTIONS = [
  'reconnect',
  'check_permissions',
  'retry_sync',
  'view_contact',
] as const satisfies readonly AlertAction[];

export const Alert = defineEntity({
  name: 'Alert',
  tableName: 'alerts',
  properties: {
    ...organisationRowProperties,
    connectionId: formerConnection,
    contactId: p.manyToOne(Contact).mapToPk().fieldName('contact_id').nullable().deleteRule('set null'),
    kind: p.text().$type<AlertKind>(),
    severity: p.text().$type<AlertSeverity>(),
    message: p.text(),
    action: p.text().$type<AlertAction>().nullable(),
    dedupeKey: p.text().nullable(),
    acknowledgedAt: p.datetime().nullable(),
    resolvedAt: p.datetime().nullable(),
  },
  uniques: [
    {
      // One open alert per cause: raising it again updates the open one.
      name: 'alerts_open_dedupe_idx',
      properties: ['organisationId', 'dedupeKey'],
      where: 'resolved_at is null and dedupe_key is not null',
    },
  ],
  checks: [
    oneOfCheck('alerts', 'kind', ALERT_KINDS),
    oneOfCheck('alerts', 'severity', ALERT_SEVERITIES),
    oneOfCheck('alerts', 'action', ALERT_ACTIONS),
  ],
});
