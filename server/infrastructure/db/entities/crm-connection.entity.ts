import { defineEntity, p } from '@mikro-orm/core';
import type { ConnectionStatus, CrmProvider } from '../../../../shared/providers.ts';
import type { EncryptedEnvelope } from '../../vault/credential-vault.ts';
import { baseProperties, updatedAtProperty } from './base.ts';

/** One agency's link to one CRM. Credentials are only ever stored as a vault envelope. */
export const CrmConnection = defineEntity({
  name: 'CrmConnection',
  tableName: 'crm_connections',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    provider: p.text().$type<CrmProvider>(),
    status: p.text().$type<ConnectionStatus>().default('active'),
    /** Non-secret settings: base URL, customer id, agency ref. */
    settings: p.json<Record<string, string>>(),
    credentials: p.json<EncryptedEnvelope>().nullable(),
    syncCursor: p.json<Record<string, unknown>>().nullable(),
    syncIntervalMinutes: p.integer().nullable(),
    webhookRegistration: p.json<Record<string, unknown>>().nullable(),
    /** The secret agreed at webhook registration, encrypted like the credentials. */
    webhookSecret: p.json<EncryptedEnvelope>().nullable(),
    /** The current access grant (OAuth token), encrypted, shared by every process. */
    accessGrant: p.json<EncryptedEnvelope>().nullable(),
    fieldMappingConfirmedAt: p.datetime().nullable(),
    lastSyncedAt: p.datetime().nullable(),
    /** The next scheduled slot; one process claims it atomically, then queues its job. */
    nextSyncAt: p.datetime().nullable(),
    lastErrorAt: p.datetime().nullable(),
    lastErrorMessage: p.text().nullable(),
    failingSince: p.datetime().nullable(),
    updatedAt: updatedAtProperty,
    disconnectedAt: p.datetime().nullable(),
  },
});
