import type {
  AlertView,
  ConflictDetail,
  SyncHistoryPoint,
  SyncRunDetails,
  SyncRunSummary,
} from '../lib/router-types.ts';
import { activeReapitConnection, erroredStreetConnection } from './connection.fixtures.ts';

/** Data for stories and tests of the audit log, conflicts, alerts and history components. */

const REAPIT = {
  connectionId: activeReapitConnection.id,
  provider: 'reapit' as const,
  providerName: 'Reapit',
};
const STREET = {
  connectionId: erroredStreetConnection.id,
  provider: 'street' as const,
  providerName: 'Street',
};

function uuidFor(index: number, prefix = '5a1e'): string {
  return `${prefix}0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/**
 * `count` cycles, newest first, one every 15 minutes before 23 Nov 2026 10:30 UTC, with a failure
 * every 37th and a partial every 11th: enough variety to scan, deterministic for snapshots.
 */
export function generateSyncRuns(count: number): SyncRunSummary[] {
  const newest = Date.parse('2026-11-23T10:30:00Z');
  return Array.from({ length: count }, (_, index): SyncRunSummary => {
    const startedAt = new Date(newest - index * 15 * 60_000);
    const status = index % 37 === 5 ? 'failed' : index % 11 === 3 ? 'partial' : 'succeeded';
    const fetched = (index * 7) % 23;
    return {
      id: uuidFor(index),
      ...(index % 5 === 4 ? STREET : REAPIT),
      trigger: index % 9 === 0 ? 'manual' : 'schedule',
      status,
      fullImport: false,
      windowStart: new Date(startedAt.getTime() - 17 * 60_000).toISOString(),
      windowEnd: startedAt.toISOString(),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + 42_000).toISOString(),
      recordsFetched: fetched,
      recordsWritten: Math.max(0, fetched - 2),
      recordsUnchanged: 2,
      recordsPushed: index % 4 === 0 ? 3 : 0,
      conflictsCount: index % 13 === 0 ? 1 : 0,
      duplicatesSuppressed: index % 17 === 0 ? 1 : 0,
      errorsCount: status === 'succeeded' ? 0 : 1,
      estimatedTotal: null,
    };
  });
}

export const sampleSyncRuns: SyncRunSummary[] = generateSyncRuns(60);

const succeededRun = sampleSyncRuns[0]!;

export const succeededRunDetails: SyncRunDetails = {
  run: {
    ...succeededRun,
    recordsFetched: 14,
    recordsWritten: 12,
    recordsUnchanged: 2,
    recordsPushed: 3,
    conflictsCount: 1,
    duplicatesSuppressed: 1,
    errors: [],
    heartbeatAt: succeededRun.finishedAt!,
  },
  log: {
    items: [
      {
        id: 9001,
        entityType: 'contact',
        direction: 'inbound',
        externalId: 'RPT20000123',
        internalId: uuidFor(1, 'c0c0'),
        status: 'created',
        errorCode: null,
        error: null,
        statusCode: null,
        createdAt: succeededRun.startedAt,
      },
      {
        id: 9002,
        entityType: 'contact',
        direction: 'inbound',
        externalId: 'RPT20000124',
        internalId: uuidFor(2, 'c0c0'),
        status: 'updated',
        errorCode: null,
        error: null,
        statusCode: null,
        createdAt: succeededRun.startedAt,
      },
      {
        id: 9003,
        entityType: 'contact',
        direction: 'inbound',
        externalId: 'RPT20000125',
        internalId: uuidFor(3, 'c0c0'),
        status: 'merged',
        errorCode: null,
        error: null,
        statusCode: null,
        createdAt: succeededRun.startedAt,
      },
      {
        id: 9004,
        entityType: 'journal_entry',
        direction: 'outbound',
        externalId: 'RPT20000123',
        internalId: uuidFor(1, 'c0c0'),
        status: 'created',
        errorCode: null,
        error: null,
        statusCode: 201,
        createdAt: succeededRun.finishedAt!,
      },
    ],
    nextCursor: 'WyI5MDA0Il0',
    totalCount: 17,
  },
  conflicts: {
    items: [
      {
        id: uuidFor(1, 'c0f1'),
        contactId: uuidFor(2, 'c0c0'),
        contactName: 'Priya Shah',
        ...REAPIT,
        syncRunId: succeededRun.id,
        differingFields: ['phones', 'marketingConsent'],
        winner: 'mixed',
        crmModifiedAt: '2026-11-23T10:21:04.000Z',
        platformModifiedAt: '2026-11-23T09:58:40.000Z',
        createdAt: succeededRun.startedAt,
      },
    ],
    nextCursor: null,
    totalCount: 1,
  },
};

export const failedRunDetails: SyncRunDetails = {
  run: {
    ...succeededRun,
    ...STREET,
    id: uuidFor(5),
    status: 'failed',
    recordsFetched: 200,
    recordsWritten: 200,
    recordsUnchanged: 0,
    recordsPushed: 0,
    conflictsCount: 0,
    duplicatesSuppressed: 0,
    errorsCount: 2,
    errors: [
      {
        code: 'ADAPTER.RATE_LIMITED',
        message: 'Street answered 429 Too Many Requests; waited 30 s as asked.',
        statusCode: 429,
        externalId: null,
        retryState: 'will_retry',
        at: '2026-11-23T10:15:10.000Z',
      },
      {
        code: 'ADAPTER.AUTH_INVALID',
        message:
          'Street rejected the API token (401). Generate a new token in Street under Settings › API and reconnect.',
        statusCode: 401,
        externalId: null,
        retryState: 'needs_reconnect',
        at: '2026-11-23T10:15:40.000Z',
      },
    ],
    heartbeatAt: '2026-11-23T10:15:40.000Z',
  },
  log: { items: [], nextCursor: null, totalCount: 0 },
  conflicts: { items: [], nextCursor: null, totalCount: 0 },
};

export const mixedConflict: ConflictDetail = {
  ...succeededRunDetails.conflicts.items[0]!,
  crmVersion: { firstName: 'Priya', phones: ['+447700900456'], marketingConsent: 'granted' },
  platformVersion: { firstName: 'Priya', phones: ['+447700900123'], marketingConsent: 'denied' },
  fields: [
    {
      field: 'phones',
      crmValue: ['+447700900456'],
      platformValue: ['+447700900123'],
      winner: 'crm',
      rule: 'crm_wins',
    },
    {
      field: 'marketingConsent',
      crmValue: 'granted',
      platformValue: 'denied',
      winner: 'platform',
      rule: 'deny_wins',
    },
  ],
};

export const crmWinsConflict: ConflictDetail = {
  ...mixedConflict,
  id: uuidFor(2, 'c0f1'),
  contactName: 'Tom Hughes',
  differingFields: ['lastName', 'address'],
  winner: 'crm',
  crmVersion: {
    lastName: 'Hughes',
    address: { lines: ['4 Quay Street'], town: 'Bristol', postcode: 'BS1 4DJ' },
  },
  platformVersion: { lastName: 'Hughes-Bell', address: null },
  fields: [
    { field: 'lastName', crmValue: 'Hughes', platformValue: 'Hughes-Bell', winner: 'crm', rule: 'crm_wins' },
    {
      field: 'address',
      crmValue: { lines: ['4 Quay Street'], town: 'Bristol', postcode: 'BS1 4DJ' },
      platformValue: null,
      winner: 'crm',
      rule: 'crm_wins',
    },
  ],
};

export const platformWinsConflict: ConflictDetail = {
  ...mixedConflict,
  id: uuidFor(3, 'c0f1'),
  contactName: 'Ada Okafor',
  differingFields: ['intentScore'],
  winner: 'platform',
  crmVersion: { intentScore: 12 },
  platformVersion: { intentScore: 68.5 },
  fields: [
    { field: 'intentScore', crmValue: 12, platformValue: 68.5, winner: 'platform', rule: 'platform_wins' },
  ],
};

const alertBase = {
  connectionId: REAPIT.connectionId,
  provider: REAPIT.provider,
  providerName: REAPIT.providerName,
  contactId: null,
  acknowledgedAt: null,
  resolvedAt: null,
};

export const webhookAlert: AlertView = {
  ...alertBase,
  id: uuidFor(1, 'a1e7'),
  kind: 'webhook_registration_failed',
  severity: 'warning',
  message:
    'Reapit did not accept the webhook subscription, so changes arrive only on the 15-minute schedule.',
  action: 'reconnect',
  createdAt: '2026-11-23T10:05:00.000Z',
};

export const credentialsAlert: AlertView = {
  ...alertBase,
  ...STREET,
  id: uuidFor(2, 'a1e7'),
  kind: 'credentials_rejected',
  severity: 'critical',
  message:
    'Street rejected the API token (401). Generate a new token in Street under Settings › API and reconnect.',
  action: 'reconnect',
  createdAt: '2026-11-23T10:15:40.000Z',
};

export const permissionAlert: AlertView = {
  ...alertBase,
  id: uuidFor(3, 'a1e7'),
  kind: 'permission_denied',
  severity: 'critical',
  message: 'agentOS refused the activity log (403): the API key lacks activity permissions.',
  action: 'check_permissions',
  provider: 'agentos',
  providerName: 'agentOS',
  createdAt: '2026-11-23T09:40:00.000Z',
};

export const syncFailedAlert: AlertView = {
  ...alertBase,
  id: uuidFor(4, 'a1e7'),
  kind: 'sync_failed',
  severity: 'warning',
  message: 'The 10:00 sync of Reapit failed after 4 attempts: Reapit was unavailable (503).',
  action: 'retry_sync',
  createdAt: '2026-11-23T10:01:00.000Z',
};

export const hotLeadAlert: AlertView = {
  ...alertBase,
  id: uuidFor(5, 'a1e7'),
  kind: 'hot_lead',
  severity: 'info',
  message: 'Priya Shah crossed the hot-lead threshold (intent score 82).',
  action: 'view_contact',
  contactId: uuidFor(2, 'c0c0'),
  createdAt: '2026-11-23T10:20:00.000Z',
};

export const acknowledgedAlert: AlertView = {
  ...syncFailedAlert,
  id: uuidFor(6, 'a1e7'),
  acknowledgedAt: '2026-11-23T10:10:00.000Z',
};

/** 30 cycles oldest first, with an error spike and one large import. */
export const sampleHistory: SyncHistoryPoint[] = Array.from({ length: 30 }, (_, index) => ({
  runId: uuidFor(index, 'b157'),
  connectionId: REAPIT.connectionId,
  startedAt: new Date(Date.parse('2026-11-23T03:15:00Z') + index * 15 * 60_000).toISOString(),
  status: index === 21 ? 'failed' : index === 22 ? 'partial' : 'succeeded',
  recordsIn: index === 0 ? 1_248 : (index * 5) % 19,
  recordsOut: index % 3 === 0 ? 4 : 1,
  errors: index === 21 ? 6 : index === 22 ? 2 : 0,
}));
