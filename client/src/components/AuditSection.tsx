import { useCallback, useMemo, useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { useApiUnavailable } from '../hooks/useConnections.ts';
import { useConflict } from '../hooks/useConflict.ts';
import { useSyncRun, useSyncRuns } from '../hooks/useSyncRuns.ts';
import type { SyncRunFilters } from '../lib/router-types.ts';
import { AuditLogViewer } from './AuditLogViewer.tsx';
import { ConflictDiffView } from './ConflictDiffView.tsx';
import { SyncRunDetailsPanel } from './SyncRunDetailsPanel.tsx';

export type AuditSectionProps = {
  /** The connections the log can be filtered by. */
  connections: ConnectionSummary[] | undefined;
};

/**
 * The audit log: every sync cycle, filtered and paged, with one cycle's details (and one of its
 * conflicts) opened beside it.
 */
export function AuditSection({ connections }: AuditSectionProps) {
  const [filters, setFilters] = useState<SyncRunFilters>({});
  const audit = useSyncRuns(filters);
  const [selectedRunId, setSelectedRunId] = useState<string | null>(null);
  const selectedRun = useSyncRun(selectedRunId);
  const [selectedConflictId, setSelectedConflictId] = useState<string | null>(null);
  const conflict = useConflict(selectedConflictId);
  const apiUnavailable = useApiUnavailable();

  const connectionOptions = useMemo(
    () =>
      (connections ?? []).map((connection) => ({
        id: connection.id,
        providerName: connection.providerName,
      })),
    [connections],
  );
  const loadMore = useCallback(() => {
    if (!audit.query.isFetchingNextPage) void audit.query.fetchNextPage();
  }, [audit.query]);

  // Propsync cannot be called at all: the connection list says why, once.
  if (apiUnavailable) return null;
  return (
    <AuditLogViewer
      runs={audit.runs}
      totalCount={audit.totalCount}
      hasMore={audit.query.hasNextPage}
      loading={audit.query.isPending}
      loadingMore={audit.query.isFetchingNextPage}
      error={audit.query.isError ? audit.query.error.message : null}
      onLoadMore={loadMore}
      filters={filters}
      onFiltersChange={(next) => {
        setFilters(next);
        setSelectedRunId(null);
      }}
      connections={connectionOptions}
      selectedRunId={selectedRunId}
      onSelectRun={(runId) => {
        setSelectedRunId(runId);
        setSelectedConflictId(null);
      }}
      details={
        selectedRunId === null ? null : selectedRun.details.data ? (
          <>
            <SyncRunDetailsPanel
              details={selectedRun.details.data}
              logEntries={selectedRun.logEntries}
              logHasMore={selectedRun.logHasMore}
              loadingMoreLog={selectedRun.loadingMoreLog}
              onLoadMoreLog={() => void selectedRun.loadMoreLog()}
              onSelectConflict={setSelectedConflictId}
              onClose={() => setSelectedRunId(null)}
            />
            {conflict.data ? <ConflictDiffView conflict={conflict.data} /> : null}
          </>
        ) : selectedRun.details.isError ? (
          <p className="propsync-notice propsync-notice--error" role="alert">
            Could not load this cycle: {selectedRun.details.error.message}
          </p>
        ) : (
          <p className="propsync-notice" role="status">
            Loading the cycle…
          </p>
        )
      }
    />
  );
}
