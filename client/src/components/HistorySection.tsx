import { useSyncHistory } from '../hooks/useSyncRuns.ts';
import { QueryPanelError } from './PanelError.tsx';
import { SyncHistoryChart } from './SyncHistoryChart.tsx';

export type HistorySectionProps = {
  /** Propsync cannot be called at all: the page says so once, so no failure of this panel's own. */
  apiUnavailable?: boolean;
};

/** Records in and out and errors per sync cycle, across the agency's connections. */
export function HistorySection({ apiUnavailable = false }: HistorySectionProps) {
  const history = useSyncHistory();
  if (history.isError) return apiUnavailable ? null : <QueryPanelError what="the sync history" query={history} />;
  return history.data ? <SyncHistoryChart points={history.data} /> : null;
}
