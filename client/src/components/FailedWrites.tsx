import { useId } from 'react';
import type { FailedWriteView } from '../../../shared/api/failed-write.dto.ts';
import { useFailedWrites, useSettleFailedWrite } from '../hooks/useFailedWrites.ts';
import { ActionButtons } from './ActionButtons.tsx';
import { formatShortDateTime } from './audit-format.ts';
import '../styles/propsync.css';

export type FailedWritesPanelProps = {
  writes: FailedWriteView[];
  onRetry?: (write: FailedWriteView) => void;
  onDismiss?: (write: FailedWriteView) => void;
  /** Writes with a retry or dismissal in flight. */
  busyWriteIds?: ReadonlySet<string>;
  /** Viewers see the list but cannot act on it. */
  readOnly?: boolean;
};

function contactLabel(write: FailedWriteView): string {
  return write.contactName
    ? `${write.contactName} (${write.providerName} record ${write.contactExternalId})`
    : `${write.providerName} record ${write.contactExternalId}`;
}

/**
 * Write-backs a CRM refused for good (a validation error, say): Propsync does not retry them on
 * its own. Each says the contact, what was written and the CRM's reason; Retry queues it again
 * now (after fixing the record in the CRM), Dismiss sets it aside. Nothing is shown when none failed.
 */
export function FailedWritesPanel({
  writes,
  onRetry,
  onDismiss,
  busyWriteIds,
  readOnly = false,
}: FailedWritesPanelProps) {
  const headingId = useId();
  if (writes.length === 0) return null;
  return (
    <section className="propsync-alerts propsync-failed-writes" aria-labelledby={headingId}>
      <h2 id={headingId} className="propsync-section-title">
        Failed writes to your CRM
      </h2>
      <ul className="propsync-alerts__list">
        {writes.map((write) => {
          const busy = busyWriteIds?.has(write.id) ?? false;
          const contact = contactLabel(write);
          return (
            <li key={write.id} className="propsync-alert propsync-alert--warning" data-testid="failed-write">
              <p className="propsync-alert__title">
                {write.providerName} refused {write.description} for {contact}
                {' · '}
                <time dateTime={write.refusedAt}>{formatShortDateTime(write.refusedAt)}</time>
              </p>
              <p className="propsync-alert__message">
                {write.providerName} said
                {write.statusCode !== null ? ` (HTTP ${write.statusCode})` : ''}: {write.reason}
              </p>
              {!readOnly && (onRetry || onDismiss) ? (
                <ActionButtons
                  className="propsync-alert__actions"
                  busy={busy}
                  actions={[
                    onRetry && {
                      label: 'Retry',
                      ariaLabel: `Retry the write for ${contact}`,
                      onClick: () => onRetry(write),
                    },
                    onDismiss && {
                      label: 'Dismiss',
                      secondary: true,
                      ariaLabel: `Dismiss the write for ${contact}`,
                      onClick: () => onDismiss(write),
                    },
                  ]}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/**
 * The agency's refused writes, fetched and acted on. Each also raised an alert (shown above it),
 * so a list that cannot be loaded is left out rather than shown as a second error.
 */
export function FailedWritesSection({ readOnly = false }: { readOnly?: boolean }) {
  const writes = useFailedWrites();
  const retry = useSettleFailedWrite('retry');
  const dismiss = useSettleFailedWrite('dismiss');
  if (!writes.data) return null;
  const busy = new Set(
    [retry, dismiss].flatMap((mutation) =>
      mutation.isPending && mutation.variables ? [mutation.variables.writeId] : [],
    ),
  );
  return (
    <FailedWritesPanel
      writes={writes.data}
      readOnly={readOnly}
      busyWriteIds={busy}
      onRetry={(write) => retry.mutate({ writeId: write.id })}
      onDismiss={(write) => dismiss.mutate({ writeId: write.id })}
    />
  );
}
