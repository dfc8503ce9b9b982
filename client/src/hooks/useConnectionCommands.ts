import { useCallback, useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import { formatSyncInterval } from '../components/connection-format.ts';
import type { PageNotice } from '../components/IntegrationsPageView.tsx';
import type { AccessAtProvider } from '../lib/router-types.ts';
import { errorMessage } from '../lib/trpc-errors.ts';
import { useConnectionActions } from './useConnectionActions.ts';

/** What disconnecting did to Propsync's access at the CRM, after "X disconnected…". */
const ACCESS_AT_PROVIDER_NOTE: Record<AccessAtProvider, (name: string) => string> = {
  revoked: (name) => `Propsync's access was revoked at ${name}.`,
  token_revoked: (name) =>
    `Propsync's token was revoked at ${name}; the client id and secret you entered stay valid until you delete them in ${name}.`,
  already_disconnected: () => 'It was already disconnected.',
  remove_in_crm: (name) => `${name} cannot revoke keys through its API: delete Propsync's key in ${name}.`,
  revocation_failed: (name) =>
    `${name} did not confirm revoking Propsync's access: delete Propsync's key or app in ${name}.`,
};

export type ConnectionCommandsOptions = {
  /** The host's own disconnect; the list is refetched after it, since Propsync did not do it. */
  onDisconnect?: ((connection: ConnectionSummary) => Promise<void> | void) | undefined;
  /** The host's own reconnect; without it, `openReconnectForm` asks for new credentials. */
  onReconnect?: ((connection: ConnectionSummary) => Promise<void> | void) | undefined;
  openReconnectForm: (connection: ConnectionSummary) => void;
  refetchConnections: () => Promise<unknown>;
  /** Where each command's result, or its failure, is said. */
  announce: (notice: PageNotice) => void;
};

export type ConnectionCommands = {
  /** Connections with a command in flight: their cards' buttons wait. */
  busyConnectionIds: ReadonlySet<string>;
  syncNow: (connection: ConnectionSummary) => void;
  reconnect: (connection: ConnectionSummary) => void;
  disconnect: (connection: ConnectionSummary) => void;
  changeSchedule: (connection: ConnectionSummary, intervalMinutes: number | null) => void;
};

/** What a connection card (or an alert about a connection) can ask for, each announced when done. */
export function useConnectionCommands({
  onDisconnect,
  onReconnect,
  openReconnectForm,
  refetchConnections,
  announce,
}: ConnectionCommandsOptions): ConnectionCommands {
  const { syncNow, disconnect, setSchedule } = useConnectionActions();
  const [busyConnectionIds, setBusyConnectionIds] = useState<ReadonlySet<string>>(new Set());

  /** Runs `work` with the connection marked busy; a string it returns is added to `success`. */
  const runWhileBusy = useCallback(
    async (connectionId: string, work: () => Promise<unknown>, success: string) => {
      setBusyConnectionIds((current) => new Set(current).add(connectionId));
      try {
        const detail = await work();
        announce({ tone: 'info', text: typeof detail === 'string' ? `${success} ${detail}` : success });
      } catch (error) {
        announce({ tone: 'error', text: errorMessage(error) });
      } finally {
        setBusyConnectionIds((current) => {
          const next = new Set(current);
          next.delete(connectionId);
          return next;
        });
      }
    },
    [announce],
  );

  return {
    busyConnectionIds,
    syncNow: (connection) =>
      void runWhileBusy(
        connection.id,
        () => syncNow.mutateAsync({ connectionId: connection.id }),
        `Sync queued for ${connection.providerName}`,
      ),
    reconnect: (connection) =>
      onReconnect
        ? void runWhileBusy(
            connection.id,
            async () => onReconnect(connection),
            `${connection.providerName} reconnected`,
          )
        : openReconnectForm(connection),
    disconnect: (connection) =>
      void runWhileBusy(
        connection.id,
        async () => {
          if (onDisconnect) {
            await onDisconnect(connection);
            await refetchConnections();
          } else {
            const result = await disconnect.mutateAsync({ connectionId: connection.id });
            return ACCESS_AT_PROVIDER_NOTE[result.accessAtProvider](connection.providerName);
          }
        },
        `${connection.providerName} disconnected. Its contacts and the audit trail are kept.`,
      ),
    changeSchedule: (connection, intervalMinutes) =>
      void runWhileBusy(
        connection.id,
        () => setSchedule.mutateAsync({ connectionId: connection.id, intervalMinutes }),
        `${connection.providerName} now syncs ${formatSyncInterval(intervalMinutes ?? connection.syncIntervalMinutes).toLowerCase()}`,
      ),
  };
}
