import { useId, type ReactNode } from 'react';
import type { SyncLogEntry, SyncRunDetails } from '../lib/router-types.ts';
import {
  formatCount,
  formatDuration,
  formatShortDateTime,
  humaniseField,
  RETRY_STATE_LABELS,
  RUN_STATUS_LABELS,
  TRIGGER_LABELS,
} from './audit-format.ts';
import '../styles/propsync.css';

export type SyncRunDetailsPanelProps = {
  details: SyncRunDetails;
  /** The record log loaded so far; defaults to the first page inside `details`. */
  logEntries?: SyncLogEntry[];
  logHasMore?: boolean;
  onLoadMoreLog?: () => void;
  loadingMoreLog?: boolean;
  onSelectConflict?: (conflictId: string) => void;
  onClose?: () => void;
};

/**
 * One sync cycle, as docs/product-rules.md describes an audit entry: the cursor window, record counts in and
 * out, conflicts, duplicates suppressed, provider errors with status codes and retry state, and the
 * per-record log.
 */
export function SyncRunDetailsPanel({
  details,
  logEntries = details.log.items,
  logHasMore = details.log.nextCursor !== null,
  onLoadMoreLog,
  loadingMoreLog = false,
  onSelectConflict,
  onClose,
}: SyncRunDetailsPanelProps) {
  const { run, conflicts, log } = details;
  const headingId = useId();
  return (
    <section className="propsync-run-details" aria-labelledby={headingId} data-testid="sync-run-details">
      <header className="propsync-run-details__header">
        <h3 id={headingId} className="propsync-run-details__title">
          {run.providerName} cycle · {formatShortDateTime(run.startedAt)}
        </h3>
        {onClose ? (
          <button type="button" className="propsync-button propsync-button--secondary" onClick={onClose}>
            Close
          </button>
        ) : null}
      </header>

      <dl className="propsync-run-details__facts">
        <Fact term="Status">
          <span className={`propsync-run-status propsync-run-status--${run.status}`}>
            {RUN_STATUS_LABELS[run.status]}
          </span>
        </Fact>
        <Fact term="Trigger">
          {run.fullImport ? 'Full import' : (TRIGGER_LABELS[run.trigger] ?? run.trigger)}
        </Fact>
        <Fact term="Window">
          {formatShortDateTime(run.windowStart)} → {formatShortDateTime(run.windowEnd)}
        </Fact>
        <Fact term="Duration">{formatDuration(run.startedAt, run.finishedAt)}</Fact>
        <Fact term="Fetched from the CRM">{formatCount(run.recordsFetched)}</Fact>
        <Fact term="Written">{formatCount(run.recordsWritten)}</Fact>
        <Fact term="Unchanged">{formatCount(run.recordsUnchanged)}</Fact>
        <Fact term="Pushed to the CRM">{formatCount(run.recordsPushed)}</Fact>
        <Fact term="Conflicts resolved">{formatCount(run.conflictsCount)}</Fact>
        <Fact term="Duplicates suppressed">{formatCount(run.duplicatesSuppressed)}</Fact>
        <Fact term="Errors">{formatCount(run.errorsCount)}</Fact>
      </dl>

      <h4 className="propsync-run-details__subtitle">Errors</h4>
      {run.errors.length === 0 ? (
        <p className="propsync-muted">No provider error in this cycle.</p>
      ) : (
        <ul className="propsync-run-details__errors">
          {run.errors.map((error, index) => (
            <li key={`${error.at}-${index}`} className="propsync-run-details__error">
              <p className="propsync-run-details__error-head">
                <code>{error.code}</code>
                {error.statusCode !== null ? <span> · HTTP {error.statusCode}</span> : null}
                <span className={`propsync-retry propsync-retry--${error.retryState}`}>
                  {RETRY_STATE_LABELS[error.retryState] ?? error.retryState}
                </span>
              </p>
              <p className="propsync-run-details__error-message">{error.message}</p>
              <p className="propsync-muted">
                {formatShortDateTime(error.at)}
                {error.externalId ? ` · record ${error.externalId}` : ''}
              </p>
            </li>
          ))}
        </ul>
      )}

      <h4 className="propsync-run-details__subtitle">Conflicts ({formatCount(conflicts.totalCount)})</h4>
      {conflicts.items.length === 0 ? (
        <p className="propsync-muted">No conflict in this cycle.</p>
      ) : (
        <ul className="propsync-run-details__conflicts">
          {conflicts.items.map((conflict) => (
            <li key={conflict.id}>
              {onSelectConflict ? (
                <button
                  type="button"
                  className="propsync-link-button"
                  onClick={() => onSelectConflict(conflict.id)}
                >
                  {conflict.contactName}: {conflict.differingFields.map(humaniseField).join(', ')}
                </button>
              ) : (
                <span>
                  {conflict.contactName}: {conflict.differingFields.map(humaniseField).join(', ')}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}

      <h4 className="propsync-run-details__subtitle">Record log ({formatCount(log.totalCount)})</h4>
      {logEntries.length === 0 ? (
        <p className="propsync-muted">No record was created, changed or rejected in this cycle.</p>
      ) : (
        <table className="propsync-table">
          <caption className="propsync-visually-hidden">Records synced in this cycle</caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Type</th>
              <th scope="col">Direction</th>
              <th scope="col">Result</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {logEntries.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <code>{entry.externalId ?? '—'}</code>
                </td>
                <td>{humaniseField(entry.entityType)}</td>
                <td>{entry.direction === 'inbound' ? 'From the CRM' : 'To the CRM'}</td>
                <td>{entry.status}</td>
                <td>
                  {entry.errorCode
                    ? `${entry.errorCode}${entry.statusCode !== null ? ` (HTTP ${entry.statusCode})` : ''}${
                        entry.error ? `: ${entry.error}` : ''
                      }`
                    : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logHasMore && onLoadMoreLog ? (
        <button
          type="button"
          className="propsync-button propsync-button--secondary"
          disabled={loadingMoreLog}
          onClick={onLoadMoreLog}
        >
          {loadingMoreLog ? 'Loading…' : 'Load more records'}
        </button>
      ) : null}
    </section>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="propsync-run-details__fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
