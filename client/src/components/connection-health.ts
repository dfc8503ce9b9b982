import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { formatRelativeTime } from './connection-format.ts';

/** What an admin needs to know at a glance; richer than the stored status. */
export const HEALTH_STATES = ['active', 'syncing', 'degraded', 'error', 'disconnected'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export const HEALTH_LABELS = {
  active: 'Active',
  syncing: 'Syncing',
  degraded: 'Degraded',
  error: 'Error',
  disconnected: 'Disconnected',
} as const satisfies Record<HealthState, string>;

export type ConnectionHealth = { state: HealthState; reason: string };

/**
 * Derives health from a connection summary. Degraded: still active, but the latest attempt failed
 * with a transient error (the stored status only turns to error for permanent failures).
 */
export function connectionHealth(connection: ConnectionSummary, now: Date = new Date()): ConnectionHealth {
  if (connection.status === 'disconnected') {
    return {
      state: 'disconnected',
      reason:
        'Disconnected: credentials were removed. Contacts and the audit trail are kept; reconnect to sync again.',
    };
  }
  if (connection.status === 'error') {
    return {
      state: 'error',
      reason: connection.lastErrorMessage ?? 'Syncing stopped after a permanent error. Reconnect to resume.',
    };
  }
  if (connection.currentSync) {
    const { fetched, estimatedTotal } = connection.currentSync;
    return {
      state: 'syncing',
      reason:
        estimatedTotal !== null && estimatedTotal > 0
          ? `A sync is running: ${fetched.toLocaleString('en-GB')} of about ${estimatedTotal.toLocaleString('en-GB')} records so far.`
          : `A sync is running: ${fetched.toLocaleString('en-GB')} records so far.`,
    };
  }
  const failedSinceLastSync =
    connection.lastErrorAt !== null &&
    (connection.lastSyncedAt === null ||
      Date.parse(connection.lastErrorAt) > Date.parse(connection.lastSyncedAt));
  if (failedSinceLastSync) {
    return {
      state: 'degraded',
      reason: `The last attempt failed ${formatRelativeTime(connection.lastErrorAt!, now)} and will be retried: ${
        connection.lastErrorMessage ?? 'a temporary error'
      }`,
    };
  }
  return {
    state: 'active',
    reason: connection.lastSyncedAt
      ? `Healthy. Last synced ${formatRelativeTime(connection.lastSyncedAt, now)}.`
      : 'Healthy. The first sync is queued.',
  };
}
