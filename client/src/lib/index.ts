/** The embeddable Propsync client: what a host application imports. */
export { PropsyncProvider, type PropsyncProviderProps } from './PropsyncProvider.tsx';
export { PropsyncRoot } from './PropsyncRoot.tsx';
export type * from './router-types.ts';

// Pages and components (presentational: typed data in, callbacks out).
export { IntegrationsPage, type IntegrationsPageProps } from '../components/IntegrationsPage.tsx';
export { IntegrationsPageView, type IntegrationsPageViewProps } from '../components/IntegrationsPageView.tsx';
export { ConnectionList, type ConnectionListProps } from '../components/ConnectionList.tsx';
export { FieldMappingSummary, type FieldMappingSummaryProps } from '../components/FieldMappingSummary.tsx';
export { useFieldMapping } from '../hooks/useFieldMapping.ts';
export {
  ConnectionCard,
  type ConnectionCardProps,
  type ConnectionCardActions,
} from '../components/ConnectionCard.tsx';
export { ConnectionStatusPill } from '../components/ConnectionStatusPill.tsx';
export { HealthBadge, type HealthBadgeProps } from '../components/HealthBadge.tsx';
export {
  connectionHealth,
  HEALTH_LABELS,
  HEALTH_STATES,
  type ConnectionHealth,
  type HealthState,
} from '../components/connection-health.ts';
export {
  ConnectForm,
  type ConnectFormProps,
  type ConnectRequest,
  type ConnectableProvider,
} from '../components/ConnectForm.tsx';
export { AlertsPanel, type AlertsPanelProps } from '../components/AlertsPanel.tsx';
export {
  AuditLogViewer,
  type AuditLogViewerProps,
  type AuditLogConnectionOption,
} from '../components/AuditLogViewer.tsx';
export { SyncRunDetailsPanel, type SyncRunDetailsPanelProps } from '../components/SyncRunDetailsPanel.tsx';
export { ConflictDiffView, type ConflictDiffViewProps } from '../components/ConflictDiffView.tsx';
export { SyncHistoryChart, type SyncHistoryChartProps } from '../components/SyncHistoryChart.tsx';

// Hooks (need a PropsyncProvider above them).
export { useConnections } from '../hooks/useConnections.ts';
export { useConnectionActions } from '../hooks/useConnectionActions.ts';
export { useProviders } from '../hooks/useProviders.ts';
export { useAlerts, useAcknowledgeAlert } from '../hooks/useAlerts.ts';
export { useSyncRuns, useSyncRun, useSyncHistory, AUDIT_PAGE_SIZE } from '../hooks/useSyncRuns.ts';
export { useConflict } from '../hooks/useConflict.ts';
export { useContactLookup, type ContactLookupQuery } from '../hooks/useContactLookup.ts';
