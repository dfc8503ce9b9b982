import { defineEntity, p } from '@mikro-orm/core';
import type { EncryptedEnvelope } from '../../vault/credential-vault.ts';
import { baseProperties, syncIntervalCheck, updatedAtProperty } from './base.ts';

/** An agency: the tenant everything else belongs to. */
export const Organisation = defineEntity({
  name: 'Organisation',
  tableName: 'organisations',
  properties: {
    ...baseProperties,
    name: p.text(),
    /** The host's own id for the agency: `agencies.create` is idempotent on it. */
    externalRef: p.text().nullable(),
    /** Set when the host offboarded the agency: its data is gone, its tokens are refused. */
    offboardedAt: p.datetime().nullable(),
    syncIntervalMinutes: p.integer().default(15),
    /** Where Propsync sends signed events (hot leads, contact changes) for this agency's host app. */
    hostWebhookUrl: p.text().nullable(),
    hostWebhookSecret: p.json<EncryptedEnvelope>().nullable(),
    /** Overrides of the default intent-scoring weights, half-life and hot-lead threshold. */
    scoringPolicy: p.json<Record<string, unknown>>().nullable(),
    updatedAt: updatedAtProperty,
  },
  uniques: [
    {
      // An offboarded agency's ref may be provisioned again.
      name: 'organisations_external_ref_idx',
      properties: ['externalRef'],
      where: 'external_ref is not null and offboarded_at is null',
    },
  ],
  checks: [
    {
      name: 'organisations_sync_interval_minutes_check',
      expression: syncIntervalCheck('sync_interval_minutes'),
    },
  ],
});
