import { useEffect, useId, useRef, useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { ConnectionIssueCounts } from '../../../shared/api/failed-write.dto.ts';
import { ActionButtons } from './ActionButtons.tsx';
import { HealthBadge } from './HealthBadge.tsx';
import { connectionHealth } from './connection-health.ts';
import {
  formatAbsoluteTime,
  formatContactCount,
  formatRelativeTime,
  formatSyncInterval,
} from './connection-format.ts';
import { SelectOptions } from './SelectOptions.tsx';
import '../styles/propsync.css';

/** What a card can ask the page to do; a missing callback hides its button. */
export type ConnectionCardActions = {
  onSyncNow?: ((connection: ConnectionSummary) => void) | undefined;
  onDisconnect?: ((connection: ConnectionSummary) => void) | undefined;
  onReconnect?: ((connection: ConnectionSummary) => void) | undefined;
  /** Minutes between syncs, or null to follow the agency's default. */
  onChangeSchedule?: ((connection: ConnectionSummary, intervalMinutes: number | null) => void) | undefined;
};

const SCHEDULE_CHOICES = [5, 15, 30, 60, 240, 1440];

export type ConnectionCardProps = ConnectionCardActions & {
  connection: ConnectionSummary;
  /** The moment relative times are measured from; fixed in stories and tests so they do not drift. */
  now?: Date;
  /** An action for this card is in flight: its buttons are disabled meanwhile. */
  busy?: boolean;
  /** Viewers see the card without any action. */
  readOnly?: boolean;
  /** Parked and dead-lettered deliveries and refused writes; shown only when not zero. */
  issues?: Omit<ConnectionIssueCounts, 'connectionId'> | undefined;
};

/**
 * One CRM connection: provider, health (with the reason on hover and focus), contacts, last sync,
 * schedule, a live progress bar while a cycle runs, the last error, and the admin actions.
 * Disconnecting asks for confirmation first and says what is kept.
 */
export function ConnectionCard({
  connection,
  now = new Date(),
  busy = false,
  readOnly = false,
  issues,
  onSyncNow,
  onDisconnect,
  onReconnect,
  onChangeSchedule,
}: ConnectionCardProps) {
  const headingId = useId();
  const scheduleId = useId();
  const health = connectionHealth(connection, now);
  const [confirmingDisconnect, setConfirmingDisconnect] = useState(false);
  const canSync = connection.status !== 'disconnected' && onSyncNow;
  const canDisconnect = connection.status !== 'disconnected' && onDisconnect;
  const canReconnect = connection.status !== 'active' && onReconnect;
  const canChangeSchedule = onChangeSchedule && !readOnly && connection.status !== 'disconnected';
  const hasActions = !readOnly && (canSync || canDisconnect || canReconnect);

  return (
    <article
      className={`propsync-connection-card propsync-connection-card--${connection.status}`}
      aria-labelledby={headingId}
      data-testid={`connection-card-${connection.provider}`}
    >
      <header className="propsync-connection-card__header">
        <h2 id={headingId} className="propsync-connection-card__name">
          {connection.providerName}
        </h2>
        <HealthBadge state={health.state} reason={health.reason} />
      </header>

      <dl className="propsync-connection-card__facts">
        <div className="propsync-connection-card__fact">
          <dt>Contacts</dt>
          <dd data-testid="contact-count" data-count={connection.contactCount}>
            {formatContactCount(connection.contactCount)}
          </dd>
        </div>
        <div className="propsync-connection-card__fact">
          <dt>Last synced</dt>
          <dd data-testid="last-synced">
            {connection.lastSyncedAt ? (
              <time dateTime={connection.lastSyncedAt} title={formatAbsoluteTime(connection.lastSyncedAt)}>
                {formatRelativeTime(connection.lastSyncedAt, now)}
              </time>
            ) : connection.status === 'active' ? (
              // Active with no completed sync: the first import is queued or running.
              'First sync in progress'
            ) : (
              'Never'
            )}
          </dd>
        </div>
        <div className="propsync-connection-card__fact">
          <dt>Signals</dt>
          <dd data-testid="signals">{connection.signals}</dd>
        </div>
        <div className="propsync-connection-card__fact">
          <dt>{canChangeSchedule ? <label htmlFor={scheduleId}>Schedule</label> : 'Schedule'}</dt>
          <dd>
            {canChangeSchedule ? (
              <select
                id={scheduleId}
                className="propsync-input"
                value={connection.syncIntervalMinutes}
                disabled={busy}
                onChange={(event) => onChangeSchedule(connection, Number(event.target.value))}
              >
                <SelectOptions
                  options={[...new Set([...SCHEDULE_CHOICES, connection.syncIntervalMinutes])]
                    .sort((left, right) => left - right)
                    .map((minutes) => ({ value: minutes, label: formatSyncInterval(minutes) }))}
                />
              </select>
            ) : (
              formatSyncInterval(connection.syncIntervalMinutes)
            )}
          </dd>
        </div>
      </dl>

      {connection.currentSync ? <SyncProgress sync={connection.currentSync} /> : null}

      <IssueCounts issues={issues} />

      <DailyRequests usage={connection.status === 'disconnected' ? undefined : connection.requestsToday} />

      {connection.writeBackPaused && connection.status !== 'disconnected' ? (
        <p className="propsync-connection-card__paused" data-testid="write-back-paused">
          Write-back paused until the field mapping is confirmed: Propsync imports from{' '}
          {connection.providerName} but writes nothing to it yet.
        </p>
      ) : null}

      {connection.lastErrorMessage ? (
        <div className="propsync-connection-card__error" data-testid="last-error">
          <p className="propsync-connection-card__error-title">
            Last error
            {connection.lastErrorAt ? (
              <>
                {' · '}
                <time dateTime={connection.lastErrorAt} title={formatAbsoluteTime(connection.lastErrorAt)}>
                  {formatRelativeTime(connection.lastErrorAt, now)}
                </time>
              </>
            ) : null}
          </p>
          <p className="propsync-connection-card__error-message">{connection.lastErrorMessage}</p>
        </div>
      ) : null}

      {hasActions && !confirmingDisconnect ? (
        <ActionButtons
          className="propsync-connection-card__actions"
          busy={busy}
          actions={[
            canSync && {
              label: connection.currentSync ? 'Syncing…' : 'Sync now',
              disabled: connection.currentSync !== null,
              onClick: () => onSyncNow(connection),
            },
            canReconnect && { label: 'Reconnect', onClick: () => onReconnect(connection) },
            canDisconnect && {
              label: 'Disconnect',
              secondary: true,
              onClick: () => setConfirmingDisconnect(true),
            },
          ]}
        />
      ) : null}

      {confirmingDisconnect && canDisconnect ? (
        <DisconnectConfirmation
          providerName={connection.providerName}
          revokesAccess={connection.revokesAccess}
          busy={busy}
          onConfirm={() => {
            setConfirmingDisconnect(false);
            onDisconnect(connection);
          }}
          onCancel={() => setConfirmingDisconnect(false)}
        />
      ) : null}
    </article>
  );
}

function DisconnectConfirmation({
  providerName,
  revokesAccess,
  busy,
  onConfirm,
  onCancel,
}: {
  providerName: string;
  revokesAccess: boolean;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const titleId = useId();
  const descriptionId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  // The safe choice gets focus, so Enter right after clicking Disconnect does not destroy anything.
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div
      className="propsync-confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      <p id={titleId} className="propsync-confirm__title">
        Disconnect {providerName}?
      </p>
      <p id={descriptionId} className="propsync-confirm__text">
        {revokesAccess
          ? `Propsync revokes its access at ${providerName} and deletes the stored credentials, and syncing stops.`
          : `Propsync deletes the stored credentials and syncing stops; ${providerName} cannot revoke keys through its API, so also delete Propsync's key in ${providerName}.`}{' '}
        Contacts already imported and the audit trail are kept.
      </p>
      <div className="propsync-confirm__actions">
        <button
          type="button"
          className="propsync-button propsync-button--danger"
          disabled={busy}
          onClick={onConfirm}
        >
          Disconnect {providerName}
        </button>
        <button
          ref={cancelRef}
          type="button"
          className="propsync-button propsync-button--secondary"
          onClick={onCancel}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Records so far of the CRM's estimate; an indeterminate bar until the CRM says how many. */
function SyncProgress({ sync }: { sync: NonNullable<ConnectionSummary['currentSync']> }) {
  const total = sync.estimatedTotal;
  const label =
    total !== null && total > 0
      ? `Syncing: ${sync.fetched.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} records`
      : `Syncing: ${sync.fetched.toLocaleString('en-GB')} records so far`;
  return (
    <div className="propsync-connection-card__progress" data-testid="sync-progress">
      <p className="propsync-connection-card__progress-label" aria-hidden="true">
        {label}
      </p>
      <progress
        aria-label={label}
        max={total !== null && total > 0 ? total : undefined}
        value={total !== null && total > 0 ? Math.min(sync.fetched, total) : undefined}
      />
    </div>
  );
}

/** Shown from this share of a CRM's daily request limit on, when the admin may want to know. */
export const DAILY_REQUESTS_SHOWN_FROM = 0.8;

/** "N of 250,000 requests today", only as the CRM customer's daily limit comes near. */
function DailyRequests({ usage }: { usage: ConnectionSummary['requestsToday'] }) {
  if (!usage || usage.used < usage.limit * DAILY_REQUESTS_SHOWN_FROM) return null;
  const exhausted = usage.used >= usage.limit;
  return (
    <p className="propsync-connection-card__daily-requests" data-testid="requests-today">
      {usage.used.toLocaleString('en-GB')} of {usage.limit.toLocaleString('en-GB')} requests today
      {exhausted
        ? ': the daily limit is reached, syncing resumes after midnight UTC'
        : " (the CRM's daily limit)"}
    </p>
  );
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** What needs the admin's eye on this connection, in words; nothing when all is clear. */
function IssueCounts({ issues }: { issues: ConnectionCardProps['issues'] }) {
  if (!issues) return null;
  const lines = [
    issues.failedWrites > 0
      ? `${plural(issues.failedWrites, 'write', 'writes')} refused by the CRM, waiting for you to retry or dismiss`
      : null,
    issues.parked > 0
      ? `${plural(issues.parked, 'webhook update', 'webhook updates')} waiting to be applied (retried automatically)`
      : null,
    issues.deadLettered > 0
      ? `${plural(issues.deadLettered, 'webhook update', 'webhook updates')} given up on (see the alerts)`
      : null,
  ].filter((line) => line !== null);
  if (lines.length === 0) return null;
  return (
    <ul className="propsync-connection-card__issues" data-testid="connection-issues">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}
