import { observeElementRect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, type CSSProperties, type ReactNode } from 'react';
import type { SyncRunFilters, SyncRunStatus, SyncRunSummary } from '../lib/router-types.ts';
import {
  formatCount,
  formatDuration,
  formatShortDateTime,
  RUN_STATUS_LABELS,
  TRIGGER_LABELS,
} from './audit-format.ts';
import { SelectOptions } from './SelectOptions.tsx';
import '../styles/propsync.css';

export type AuditLogConnectionOption = { id: string; providerName: string };

export type AuditLogViewerProps = {
  /** The cycles loaded so far, newest first (the server pages them). */
  runs: SyncRunSummary[];
  /** How many cycles match the filters on the server. */
  totalCount: number;
  hasMore: boolean;
  /** Asks for the next page; called when the list is scrolled near its end. */
  onLoadMore?: () => void;
  loading?: boolean;
  loadingMore?: boolean;
  error?: string | null;
  filters: SyncRunFilters;
  onFiltersChange: (filters: SyncRunFilters) => void;
  /** The agency's connections, for the connection filter. */
  connections: AuditLogConnectionOption[];
  selectedRunId?: string | null;
  onSelectRun?: (runId: string) => void;
  /** The drill-down into the selected cycle (e.g. a `SyncRunDetailsPanel`). */
  details?: ReactNode;
  /** The section's heading and accessible name. */
  title?: string;
  /** Height of the scrolling list in pixels. */
  height?: number;
};

const ROW_HEIGHT = 44;
/** Rows left before the end at which the next page is requested. */
const LOAD_AHEAD_ROWS = 20;
const STATUSES: SyncRunStatus[] = ['running', 'succeeded', 'partial', 'failed'];
const DIRECTIONS = [
  { value: 'inbound', label: 'From the CRM' },
  { value: 'outbound', label: 'To the CRM' },
];
const COLUMNS = [
  'Started',
  'CRM',
  'Trigger',
  'Status',
  'In',
  'Written',
  'Out',
  'Conflicts',
  'Duplicates',
  'Errors',
  'Details',
];

/**
 * The sync audit log: every cycle with its counts, filtered by connection, status, direction and
 * date on the server. Only the visible rows are in the DOM, so 100,000 cycles scroll as smoothly
 * as 10; the next page loads as the end comes into view.
 */
export function AuditLogViewer({
  runs,
  totalCount,
  hasMore,
  onLoadMore,
  loading = false,
  loadingMore = false,
  error = null,
  filters,
  onFiltersChange,
  connections,
  selectedRunId = null,
  onSelectRun,
  details,
  title = 'Sync audit log',
  height = 440,
}: AuditLogViewerProps) {
  const headingId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowCount = runs.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Before layout (a hidden tab, a test DOM) the list measures 0 px; render a screenful anyway.
    observeElementRect: (instance: Virtualizer<HTMLDivElement, Element>, callback) =>
      observeElementRect(instance, (rect) =>
        callback(rect.height > 0 ? rect : { width: rect.width, height }),
      ),
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastVisibleIndex = virtualRows.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loadingMore && onLoadMore && lastVisibleIndex >= runs.length - LOAD_AHEAD_ROWS)
      onLoadMore();
  }, [hasMore, loadingMore, onLoadMore, lastVisibleIndex, runs.length]);

  const update = (change: Partial<SyncRunFilters>) => {
    const next = { ...filters, ...change };
    // Empty selects and dates mean "any": drop the key rather than send an empty string.
    for (const key of Object.keys(next) as (keyof SyncRunFilters)[]) {
      if (next[key] === undefined || next[key] === '') delete next[key];
    }
    onFiltersChange(next);
  };
  const hasFilters = Object.values(filters).some((value) => value !== undefined && value !== '');

  return (
    <section className="propsync-audit-log" aria-labelledby={headingId}>
      <h2 id={headingId} className="propsync-section-title">
        {title}
      </h2>
      <form
        className="propsync-filters"
        aria-label={`Filters of the ${title.toLowerCase()}`}
        onSubmit={(event) => event.preventDefault()}
      >
        <FilterSelect
          label="Connection"
          anyLabel="All connections"
          value={filters.connectionId}
          options={connections.map((connection) => ({
            value: connection.id,
            label: connection.providerName,
          }))}
          onChange={(connectionId) => update({ connectionId })}
        />
        <FilterSelect
          label="Status"
          anyLabel="Any status"
          value={filters.status}
          options={STATUSES.map((status) => ({ value: status, label: RUN_STATUS_LABELS[status] }))}
          onChange={(status) => update({ status: status as SyncRunStatus | undefined })}
        />
        <FilterSelect
          label="Direction"
          anyLabel="Both directions"
          value={filters.syncDirection}
          options={DIRECTIONS}
          onChange={(syncDirection) =>
            update({ syncDirection: syncDirection as SyncRunFilters['syncDirection'] })
          }
        />
        <FilterDate label="From (UTC)" value={filters.from} onChange={(from) => update({ from })} />
        <FilterDate label="To (UTC)" value={filters.to} onChange={(to) => update({ to })} />
        {hasFilters ? (
          <button
            type="button"
            className="propsync-button propsync-button--secondary"
            onClick={() => onFiltersChange({})}
          >
            Clear filters
          </button>
        ) : null}
      </form>

      <p
        className="propsync-audit-log__summary"
        role="status"
        aria-live="polite"
        data-testid="audit-log-summary"
      >
        {loading
          ? 'Loading sync cycles…'
          : error && runs.length === 0
            ? ''
            : totalCount === 0
              ? hasFilters
                ? 'No sync cycle matches these filters.'
                : 'No sync cycle yet.'
              : `Showing ${formatCount(runs.length)} of ${formatCount(totalCount)} ${totalCount === 1 ? 'cycle' : 'cycles'}`}
      </p>
      {error ? (
        <p className="propsync-notice propsync-notice--error" role="alert">
          Could not load the audit log: {error}
        </p>
      ) : null}

      <div className="propsync-audit-log__layout">
        <div
          className="propsync-audit-log__table"
          role="table"
          aria-label={`${title}: cycles`}
          aria-rowcount={totalCount + 1}
          aria-busy={loading || loadingMore}
        >
          <div role="rowgroup" className="propsync-audit-log__head">
            <div
              role="row"
              aria-rowindex={1}
              className="propsync-audit-log__row propsync-audit-log__row--head"
            >
              {COLUMNS.map((column) => (
                <span key={column} role="columnheader" className="propsync-audit-log__cell">
                  {column}
                </span>
              ))}
            </div>
          </div>
          <div
            ref={scrollRef}
            role="rowgroup"
            className="propsync-audit-log__viewport"
            style={{ height, overflowY: 'auto' }}
            data-testid="audit-log-viewport"
          >
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualRows.map((virtualRow) => {
                const run = runs[virtualRow.index];
                const style = {
                  position: 'absolute' as const,
                  top: 0,
                  left: 0,
                  width: '100%',
                  height: virtualRow.size,
                  transform: `translateY(${virtualRow.start}px)`,
                };
                if (!run) {
                  return (
                    <div
                      key="loading"
                      role="row"
                      aria-rowindex={virtualRow.index + 2}
                      className="propsync-audit-log__row propsync-audit-log__row--loading"
                      style={style}
                    >
                      <span role="cell" className="propsync-audit-log__cell">
                        Loading more cycles…
                      </span>
                    </div>
                  );
                }
                return (
                  <RunRow
                    key={run.id}
                    run={run}
                    rowIndex={virtualRow.index + 2}
                    selected={run.id === selectedRunId}
                    onSelect={onSelectRun}
                    style={style}
                  />
                );
              })}
            </div>
          </div>
        </div>
        {details ? <div className="propsync-audit-log__details">{details}</div> : null}
      </div>
    </section>
  );
}

/** A filter's select; its empty first option means "any" and reads back as undefined. */
function FilterSelect({
  label,
  anyLabel,
  value,
  options,
  onChange,
}: {
  label: string;
  anyLabel: string;
  value: string | undefined;
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange: (value: string | undefined) => void;
}) {
  return (
    <FilterField label={label}>
      <select
        className="propsync-input"
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value || undefined)}
      >
        <option value="">{anyLabel}</option>
        <SelectOptions options={options} />
      </select>
    </FilterField>
  );
}

/** A filter's date; cleared, it reads back as undefined. */
function FilterDate({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}) {
  return (
    <FilterField label={label}>
      <input
        className="propsync-input"
        type="date"
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value || undefined)}
      />
    </FilterField>
  );
}

/** A filter's control with its visible label, which also names it. */
function FilterField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="propsync-field">
      <span className="propsync-field__label">{label}</span>
      {children}
    </label>
  );
}

/** A number column's cell; `highlighted` marks a count that needs attention (errors). */
function CountCell({ count, highlighted = false }: { count: number; highlighted?: boolean }) {
  return (
    <span
      role="cell"
      className={`propsync-audit-log__cell propsync-audit-log__cell--number${
        highlighted ? ' propsync-audit-log__cell--errors' : ''
      }`}
    >
      {formatCount(count)}
    </span>
  );
}

function RunRow({
  run,
  rowIndex,
  selected,
  onSelect,
  style,
}: {
  run: SyncRunSummary;
  rowIndex: number;
  selected: boolean;
  onSelect: ((runId: string) => void) | undefined;
  style: CSSProperties;
}) {
  const startedLabel = formatShortDateTime(run.startedAt);
  return (
    <div
      role="row"
      aria-rowindex={rowIndex}
      className={`propsync-audit-log__row${selected ? ' propsync-audit-log__row--selected' : ''}`}
      style={style}
      data-testid="audit-log-row"
    >
      <span role="cell" className="propsync-audit-log__cell">
        <time dateTime={run.startedAt} title={`Took ${formatDuration(run.startedAt, run.finishedAt)}`}>
          {startedLabel}
        </time>
      </span>
      <span role="cell" className="propsync-audit-log__cell">
        {run.providerName}
      </span>
      <span role="cell" className="propsync-audit-log__cell">
        {run.fullImport ? 'Full import' : (TRIGGER_LABELS[run.trigger] ?? run.trigger)}
      </span>
      <span role="cell" className="propsync-audit-log__cell">
        <span className={`propsync-run-status propsync-run-status--${run.status}`}>
          {RUN_STATUS_LABELS[run.status]}
        </span>
      </span>
      <CountCell count={run.recordsFetched} />
      <CountCell count={run.recordsWritten} />
      <CountCell count={run.recordsPushed} />
      <CountCell count={run.conflictsCount} />
      <CountCell count={run.duplicatesSuppressed} />
      <CountCell count={run.errorsCount} highlighted={run.errorsCount > 0} />
      <span role="cell" className="propsync-audit-log__cell">
        {onSelect ? (
          <button
            type="button"
            className="propsync-link-button"
            aria-label={`Open the ${run.providerName} cycle of ${startedLabel}`}
            aria-pressed={selected}
            onClick={() => onSelect(run.id)}
          >
            Open
          </button>
        ) : null}
      </span>
    </div>
  );
}
