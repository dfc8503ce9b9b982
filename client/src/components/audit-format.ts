import type { SyncRunStatus } from '../lib/router-types.ts';

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});
const countFormat = new Intl.NumberFormat('en-GB');

/** "20 Nov, 09:00" in UTC, so stories, tests and the server agree whatever the browser's zone. */
export function formatShortDateTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${dateTimeFormat.format(date)} UTC`;
}

export function formatCount(count: number): string {
  return countFormat.format(count);
}

/** "45 s", "3 min 5 s", "1 h 2 min"; "running" for a cycle with no end yet. */
export function formatDuration(startIso: string, endIso: string | null): string {
  if (!endIso) return 'running';
  const seconds = Math.max(0, Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000));
  if (Number.isNaN(seconds)) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const RUN_STATUS_LABELS = {
  running: 'Running',
  succeeded: 'Succeeded',
  partial: 'Partly failed',
  failed: 'Failed',
} as const satisfies Record<SyncRunStatus, string>;

export const TRIGGER_LABELS: Record<string, string> = {
  initial: 'First import',
  schedule: 'Scheduled',
  manual: 'Manual',
  webhook: 'Webhook',
  retry: 'Retry',
};

export const RETRY_STATE_LABELS: Record<string, string> = {
  will_retry: 'Will retry',
  retry_scheduled: 'Retry scheduled',
  gave_up: 'Gave up',
  needs_reconnect: 'Needs reconnect',
};

/** Field values of a conflict as a person reads them: lists joined, objects as short JSON. */
export function formatFieldValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value))
    return value.length === 0 ? '(none)' : value.map((item) => formatFieldValue(item)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** "lastName" → "Last name", "marketingConsent" → "Marketing consent". */
export function humaniseField(field: string): string {
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
