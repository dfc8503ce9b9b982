import { useApiUnavailable } from '../hooks/useConnections.ts';
import { useSyncHistory } from '../hooks/useSyncRuns.ts';
import { QueryPanelError } from './PanelError.tsx';
import { SyncHistoryChart } from './SyncHistoryChart.tsx';

/** Records in and out and errors per sync cycle, across the agency's connections. */
export function HistorySection() {
  const history = useSyncHistory();
  const apiUnavailable = useApiUnavailable();
  if (history.isError)
    return apiUnavailable ? null : <QueryPanelError what="the sync history" query={history} />;
  return history.data ? <SyncHistoryChart points={history.data} /> : null;
}
