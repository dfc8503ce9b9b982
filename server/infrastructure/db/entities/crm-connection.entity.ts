import { defineEntity, p } from '@mikro-orm/core';
import {
  CONNECTION_STATUSES,
  type ConnectionStatus,
  type CrmProvider,
} from '../../../../shared/providers.ts';
import type { MappingOverrides } from '../../../../shared/api/connection.dto.ts';
import type { EncryptedEnvelope } from '../../vault/credential-vault.ts';
import { baseProperties, oneOfCheck, syncIntervalCheck, uniqueKey, updatedAtProperty } from './base.ts';
import { CrmProviderRecord } from './crm-provider.entity.ts';
import { Organisation } from './organisation.entity.ts';

/** One agency's link to one CRM. Credentials are only ever stored as a vault envelope. */
export const CrmConnection = defineEntity({
  name: 'CrmConnection',
  tableName: 'crm_connections',
  properties: {
    ...baseProperties,
    organisationId: p.manyToOne(Organisation).mapToPk().fieldName('organisation_id').deleteRule('cascade'),
    provider: p.manyToOne(CrmProviderRecord).mapToPk().fieldName('provider').$type<CrmProvider>(),
    status: p.text().$type<ConnectionStatus>().default('active'),
    /** Non-secret settings: base URL, customer id, agency ref. */
    settings: p.json<Record<string, string>>().defaultRaw(`'{}'::jsonb`),
    credentials: p.json<EncryptedEnvelope>().nullable(),
    syncCursor: p.json<Record<string, unknown>>().nullable(),
    syncIntervalMinutes: p.integer().nullable(),
    webhookRegistration: p.json<Record<string, unknown>>().nullable(),
    /** The secret agreed at webhook registration, encrypted like the credentials. */
    webhookSecret: p.json<EncryptedEnvelope>().nullable(),
    /** The current access grant (OAuth token), encrypted, shared by every process. */
    accessGrant: p.json<EncryptedEnvelope>().nullable(),
    /** Until set, nothing is written back to the CRM (the mapping review). */
    fieldMappingConfirmedAt: p.datetime().nullable(),
    /** The admin's corrections to the suggested mapping (`MappingOverrides`). */
    fieldMappingOverrides: p.json<MappingOverrides>().defaultRaw(`'{"categories": {}, "fields": {}}'::jsonb`),
    lastSyncedAt: p.datetime().nullable(),
    /** The next scheduled slot; one process claims it atomically, then queues its job. */
    nextSyncAt: p.datetime().nullable(),
    /** The next reconciliation of the CRM's id set; one process claims it (reconciliation-store.ts). */
    nextReconcileAt: p.datetime().nullable(),
    /** Reconciliations in a row that failed for a passing reason: their retry's backoff. */
    reconcileFailures: p.integer().default(0),
    lastErrorAt: p.datetime().nullable(),
    lastErrorMessage: p.text().nullable(),
    failingSince: p.datetime().nullable(),
    /** When the admin last connected or reconnected: older cycles' credential failures are stale. */
    credentialsChangedAt: p.datetime().nullable(),
    updatedAt: updatedAtProperty,
    disconnectedAt: p.datetime().nullable(),
  },
  uniques: [uniqueKey('crm_connections', 'organisationId', 'provider')],
  indexes: [
    { name: 'crm_connections_next_sync_idx', properties: ['nextSyncAt'], where: `status = 'active'` },
  ],
  checks: [
    oneOfCheck('crm_connections', 'status', CONNECTION_STATUSES),
    {
      name: 'crm_connections_sync_interval_minutes_check',
      expression: syncIntervalCheck('sync_interval_minutes'),
    },
    {
      name: 'crm_connections_disconnected_keeps_no_secrets',
      expression: `status <> 'disconnected' or (credentials is null and webhook_secret is null and access_grant is null)`,
    },
  ],
});
