import { useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { useConnectionCommands } from '../hooks/useConnectionCommands.ts';
import { useConnections } from '../hooks/useConnections.ts';
import { useConnectionIssueCounts } from '../hooks/useFailedWrites.ts';
import { useSignInReturn } from '../hooks/useSignInReturn.ts';
import { useRefreshSyncRunsOnCycles } from '../hooks/useSyncRuns.ts';
import { AlertsSection } from './AlertsSection.tsx';
import { AuditSection } from './AuditSection.tsx';
import { FailedWritesSection } from './FailedWrites.tsx';
import { ConnectSection, useConnectForm } from './ConnectSection.tsx';
import { HistorySection } from './HistorySection.tsx';
import { IntegrationsPageView, type PageNotice } from './IntegrationsPageView.tsx';
import { MappingSection } from './MappingSection.tsx';
import '../styles/propsync.css';

export type IntegrationsPageProps = {
  /** Hides every action: for hosts that embed the page for viewers (the server refuses them anyway). */
  readOnly?: boolean;
  /**
   * Replaces the built-in disconnect (`connections.disconnect`: webhooks removed at the CRM,
   * credentials deleted; contacts and the audit trail kept), e.g. to add the host's own steps.
   */
  onDisconnect?: (connection: ConnectionSummary) => Promise<void> | void;
  /** Replaces the built-in reconnect, which asks for new credentials and calls `connections.reconnect`. */
  onReconnect?: (connection: ConnectionSummary) => Promise<void> | void;
  /** Opens a contact in the host application (hot-lead alerts). */
  onViewContact?: (contactId: string) => void;
};

/**
 * The integrations settings page a host mounts at `/dashboard/settings/integrations`. Needs a
 * `PropsyncProvider` above it. Each section fetches its own data; the page holds what they share:
 * the connection list, the notice line, and the connect form that cards and alerts open too.
 */
export function IntegrationsPage({
  readOnly = false,
  onDisconnect,
  onReconnect,
  onViewContact,
}: IntegrationsPageProps) {
  const connections = useConnections();
  const issueCounts = useConnectionIssueCounts();
  useRefreshSyncRunsOnCycles(connections.data);
  const [latestNotice, announce] = useState<PageNotice | null>(null);
  const arrivalNotice = useSignInReturn(announce);
  const connectForm = useConnectForm();
  const commands = useConnectionCommands({
    onDisconnect,
    onReconnect,
    openReconnectForm: (connection) => connectForm.open(connection.provider, connection),
    refetchConnections: connections.refetch,
    announce,
  });

  return (
    <IntegrationsPageView
      connections={connections.data}
      connectionsError={connections.isError ? connections.error.message : null}
      onRetryConnections={() => void connections.refetch()}
      notice={latestNotice ?? arrivalNotice}
      cardProps={{
        readOnly,
        busyConnectionIds: commands.busyConnectionIds,
        onSyncNow: commands.syncNow,
        onReconnect: commands.reconnect,
        onDisconnect: commands.disconnect,
        onChangeSchedule: commands.changeSchedule,
        issueCounts: issueCounts.data,
      }}
      connectSlot={
        readOnly ? null : (
          <ConnectSection form={connectForm} connections={connections.data} announce={announce} />
        )
      }
      alertsSlot={
        <>
          <AlertsSection
            connections={connections.data}
            readOnly={readOnly}
            onRetrySync={commands.syncNow}
            onReconnect={commands.reconnect}
            onViewContact={onViewContact}
            announce={announce}
          />
          <FailedWritesSection readOnly={readOnly} />
        </>
      }
      mappingSlot={<MappingSection connections={connections.data} readOnly={readOnly} />}
      historySlot={<HistorySection />}
      auditLogSlot={<AuditSection connections={connections.data} />}
    />
  );
}
