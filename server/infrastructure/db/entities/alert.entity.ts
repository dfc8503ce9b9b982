import type { AlertAction, AlertKind } from '../../../../shared/api/alert.dto.ts';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';

export type { AlertAction, AlertKind };

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
