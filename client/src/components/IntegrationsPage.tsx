import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { CrmProvider } from '../../../shared/api/provider.dto.ts';
import { useAcknowledgeAlert, useAlerts } from '../hooks/useAlerts.ts';
import { useConflict } from '../hooks/useConflict.ts';
import { useConnectionActions } from '../hooks/useConnectionActions.ts';
import { useConnections } from '../hooks/useConnections.ts';
import { useFieldMapping } from '../hooks/useFieldMapping.ts';
import { useProviders } from '../hooks/useProviders.ts';
import { useRefreshSyncRunsOnCycles, useSyncHistory, useSyncRun, useSyncRuns } from '../hooks/useSyncRuns.ts';
import type { AlertView, SyncRunFilters } from '../lib/router-types.ts';
import { unreachableCause } from '../lib/trpc-errors.ts';
import { AlertsPanel } from './AlertsPanel.tsx';
import { AuditLogViewer } from './AuditLogViewer.tsx';
import { ConflictDiffView } from './ConflictDiffView.tsx';
import { ConnectForm } from './ConnectForm.tsx';
import { FieldMappingSummary } from './FieldMappingSummary.tsx';
import { IntegrationsPageView } from './IntegrationsPageView.tsx';
import { PanelError } from './PanelError.tsx';
import { SyncHistoryChart } from './SyncHistoryChart.tsx';
import { SyncRunDetailsPanel } from './SyncRunDetailsPanel.tsx';
import { formatSyncInterval } from './connection-format.ts';
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What disconnecting did to Propsync's access at the CRM, after "X disconnected…". */
const ACCESS_AT_PROVIDER_NOTE: Record<
  'revoked' | 'token_revoked' | 'remove_in_crm' | 'revocation_failed' | 'already_disconnected',
  (name: string) => string
> = {
  revoked: (name) => `Propsync's access was revoked at ${name}.`,
  token_revoked: (name) =>
    `Propsync's token was revoked at ${name}; the client id and secret you entered stay valid until you delete them in ${name}.`,
  already_disconnected: () => 'It was already disconnected.',
  remove_in_crm: (name) => `${name} cannot revoke keys through its API: delete Propsync's key in ${name}.`,
  revocation_failed: (name) =>
    `${name} did not confirm revoking Propsync's access: delete Propsync's key or app in ${name}.`,
};

const SIGN_IN_PARAMS = ['propsync_oauth', 'propsync_provider', 'propsync_sign_in', 'propsync_oauth_error'];

/** This page's address without the outcome of an earlier sign-in: where a new sign-in returns. */
function pageAddressWithoutSignInOutcome(): string {
  const url = new URL(window.location.href);
  for (const name of SIGN_IN_PARAMS) url.searchParams.delete(name);
  url.hash = '';
  return url.toString();
}

type Notice = { tone: 'info' | 'error'; text: string };

/**
 * Back from a sign-in at the CRM (OAuth redirect): what the address says. `returned` carries the
 * one-time id this page finishes the sign-in with; the others only say why nothing was connected.
 */
function signInOutcome(): { notice: Notice; signInId: string | null } | null {
  if (typeof window === 'undefined') return null;
  const params = new URLSearchParams(window.location.search);
  const outcome = params.get('propsync_oauth');
  if (outcome === 'returned') {
    return {
      notice: { tone: 'info', text: 'Finishing the sign-in…' },
      signInId: params.get('propsync_sign_in'),
    };
  }
  if (outcome === 'denied') {
    return {
      notice: { tone: 'info', text: 'Sign-in cancelled at the CRM: nothing was connected.' },
      signInId: null,
    };
  }
  if (outcome === 'failed') {
    const code = (params.get('propsync_oauth_error') ?? '').replace(/[^a-z_]/gi, '');
    return {
      notice: {
        tone: 'error',
        text: `The CRM did not complete the sign-in${code ? ` (${code})` : ''}: nothing was connected.`,
      },
      signInId: null,
    };
  }
  return null;
}

/**
 * The integrations settings page a host mounts at `/dashboard/settings/integrations`. Needs a
 * `PropsyncProvider` above it.
 */
export function IntegrationsPage({
  readOnly = false,
  onDisconnect,
  onReconnect,
  onViewContact,
}: IntegrationsPageProps) {
  const connections = useConnections();
  const providers = useProviders();
  const {
    connect,
    syncNow,
    reconnect: reconnectMutation,
    disconnect,
    setSchedule,
    startSignIn,
    finishSignIn,
  } = useConnectionActions();
  const alerts = useAlerts();
  const acknowledge = useAcknowledgeAlert();
  const history = useSyncHistory();
  const [filters, setFilters] = useState<SyncRunFilters>({});
  const audit = useSyncRuns(filters);
  const [selectedRunId, setSelectedRunId] = useState<string | null>(null);
  const selectedRun = useSyncRun(selectedRunId);
  const [selectedConflictId, setSelectedConflictId] = useState<string | null>(null);
  const conflict = useConflict(selectedConflictId);
  const mappable = (connections.data ?? []).filter((connection) => connection.status !== 'disconnected');
  const [mappingConnectionId, setMappingConnectionId] = useState<string | null>(null);
  const mappingTarget =
    mappable.find((connection) => connection.id === mappingConnectionId) ?? mappable[0] ?? null;
  const fieldMapping = useFieldMapping(mappingTarget?.id ?? null);
  useRefreshSyncRunsOnCycles(connections.data);

  const [connectOpen, setConnectOpen] = useState(false);
  const [connectProvider, setConnectProvider] = useState<CrmProvider | undefined>(undefined);
  /** Set when the form asks for new credentials of an existing connection. */
  const [reconnectTarget, setReconnectTarget] = useState<ConnectionSummary | null>(null);
  const [busyConnectionIds, setBusyConnectionIds] = useState<ReadonlySet<string>>(new Set());
  const [returnedFromSignIn] = useState(signInOutcome);
  const [notice, setNotice] = useState<Notice | null>(returnedFromSignIn?.notice ?? null);
  const finishing = useRef(false);
  // Once: the outcome leaves the address (a reload does not repeat it), and a returned sign-in is
  // finished with this page's own session (the ref guards against effects run twice in development).
  useEffect(() => {
    if (!returnedFromSignIn || finishing.current) return;
    finishing.current = true;
    window.history.replaceState(window.history.state, '', pageAddressWithoutSignInOutcome());
    if (!returnedFromSignIn.signInId) return;
    finishSignIn.mutate(
      { signInId: returnedFromSignIn.signInId },
      {
        onSuccess: ({ connection, reconnected }) =>
          setNotice({
            tone: 'info',
            text: `Signed in: ${connection.providerName} is connected and ${reconnected ? 'syncing again' : 'its first import has started'}.`,
          }),
        onError: (error) => setNotice({ tone: 'error', text: error.message }),
      },
    );
  }, [returnedFromSignIn, finishSignIn]);

  const runWhileBusy = useCallback(
    async (connectionId: string, work: () => Promise<unknown>, success: string) => {
      setBusyConnectionIds((current) => new Set(current).add(connectionId));
      try {
        const detail = await work();
        setNotice({ tone: 'info', text: typeof detail === 'string' ? `${success} ${detail}` : success });
      } catch (error) {
        setNotice({ tone: 'error', text: messageOf(error) });
      } finally {
        setBusyConnectionIds((current) => {
          const next = new Set(current);
          next.delete(connectionId);
          return next;
        });
      }
    },
    [],
  );

  const openConnectFor = (provider: CrmProvider | undefined, target: ConnectionSummary | null = null) => {
    setConnectProvider(provider);
    setReconnectTarget(target);
    setConnectOpen(true);
    connect.reset();
    startSignIn.reset();
    reconnectMutation.reset();
  };

  const reconnect = (connection: ConnectionSummary) =>
    onReconnect
      ? void runWhileBusy(
          connection.id,
          async () => onReconnect(connection),
          `${connection.providerName} reconnected`,
        )
      : openConnectFor(connection.provider, connection);

  const disconnectConnection = (connection: ConnectionSummary) =>
    void runWhileBusy(
      connection.id,
      async () => {
        if (onDisconnect) {
          await onDisconnect(connection);
          await connections.refetch();
        } else {
          const result = await disconnect.mutateAsync({ connectionId: connection.id });
          return ACCESS_AT_PROVIDER_NOTE[result.accessAtProvider](connection.providerName);
        }
      },
      `${connection.providerName} disconnected. Its contacts and the audit trail are kept.`,
    );

  const formMutation = reconnectTarget ? reconnectMutation : connect;

  const connectedProviders = new Set(
    (connections.data ?? [])
      .filter((connection) => connection.status !== 'disconnected')
      .map((c) => c.provider),
  );
  const connectable = (providers.data ?? []).filter((provider) => !connectedProviders.has(provider.id));

  const connectionOptions = useMemo(
    () =>
      (connections.data ?? []).map((connection) => ({
        id: connection.id,
        providerName: connection.providerName,
      })),
    [connections.data],
  );

  const onAlertAction = (alert: AlertView, action: NonNullable<AlertView['action']>) => {
    const connection = connections.data?.find((candidate) => candidate.id === alert.connectionId);
    if (action === 'view_contact') {
      if (alert.contactId) onViewContact?.(alert.contactId);
      return;
    }
    if (!connection) {
      setNotice({ tone: 'error', text: 'That connection no longer exists.' });
      return;
    }
    if (action === 'retry_sync') {
      void runWhileBusy(
        connection.id,
        () => syncNow.mutateAsync({ connectionId: connection.id }),
        `Sync queued for ${connection.providerName}`,
      );
      return;
    }
    // reconnect and check_permissions both end in connecting again with fixed access.
    reconnect(connection);
  };

  // Propsync unreachable or refusing this origin: the list says so once; every panel would repeat it.
  const apiUnavailable =
    connections.isError && unreachableCause(connections.error) !== null && !connections.data;
  const panelError = (what: string, query: { isError: boolean; error: unknown; refetch: () => unknown }) =>
    query.isError && !apiUnavailable ? (
      <PanelError what={what} message={messageOf(query.error)} onRetry={() => void query.refetch()} />
    ) : null;

  const loadMore = useCallback(() => {
    if (!audit.query.isFetchingNextPage) void audit.query.fetchNextPage();
  }, [audit.query]);

  return (
    <IntegrationsPageView
      connections={connections.data}
      connectionsError={connections.isError ? connections.error.message : null}
      onRetryConnections={() => void connections.refetch()}
      notice={notice}
      cardProps={{
        readOnly,
        busyConnectionIds,
        onSyncNow: (connection) =>
          void runWhileBusy(
            connection.id,
            () => syncNow.mutateAsync({ connectionId: connection.id }),
            `Sync queued for ${connection.providerName}`,
          ),
        onReconnect: reconnect,
        onDisconnect: disconnectConnection,
        onChangeSchedule: (connection, intervalMinutes) =>
          void runWhileBusy(
            connection.id,
            () => setSchedule.mutateAsync({ connectionId: connection.id, intervalMinutes }),
            `${connection.providerName} now syncs ${formatSyncInterval(intervalMinutes ?? connection.syncIntervalMinutes).toLowerCase()}`,
          ),
      }}
      connectSlot={
        readOnly || apiUnavailable ? null : providers.isError ? (
          panelError('the CRMs you can connect', providers)
        ) : connectOpen ? (
          <ConnectForm
            key={`${reconnectTarget?.id ?? 'new'}:${connectProvider ?? 'any'}`}
            mode={reconnectTarget ? 'reconnect' : 'connect'}
            providers={
              connectProvider && !connectable.some((provider) => provider.id === connectProvider)
                ? [
                    ...connectable,
                    ...(providers.data ?? []).filter((provider) => provider.id === connectProvider),
                  ]
                : connectable
            }
            initialProvider={connectProvider}
            submitting={formMutation.isPending || startSignIn.isPending}
            error={
              formMutation.isError
                ? formMutation.error.message
                : startSignIn.isError
                  ? startSignIn.error.message
                  : null
            }
            onCancel={() => setConnectOpen(false)}
            onSignIn={(request) =>
              startSignIn.mutate(
                {
                  ...request,
                  returnTo: pageAddressWithoutSignInOutcome(),
                  ...(reconnectTarget ? { connectionId: reconnectTarget.id } : {}),
                },
                { onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl) },
              )
            }
            onSubmit={(request) => {
              const done = (text: string) => {
                setConnectOpen(false);
                setReconnectTarget(null);
                setNotice({ tone: 'info', text });
              };
              if (reconnectTarget) {
                reconnectMutation.mutate(
                  {
                    connectionId: reconnectTarget.id,
                    credentials: request.credentials,
                    ...(Object.keys(request.settings).length > 0 ? { settings: request.settings } : {}),
                  },
                  {
                    onSuccess: (summary) => done(`${summary.providerName} reconnected. A sync has started.`),
                  },
                );
              } else {
                connect.mutate(request, {
                  onSuccess: (summary) =>
                    done(`${summary.providerName} connected. The first import has started.`),
                });
              }
            }}
          />
        ) : connectable.length > 0 ? (
          <button type="button" className="propsync-button" onClick={() => openConnectFor(undefined)}>
            Connect a CRM
          </button>
        ) : null
      }
      alertsSlot={
        alerts.isError ? (
          panelError('the alerts', alerts)
        ) : alerts.data && alerts.data.items.length > 0 ? (
          <AlertsPanel
            alerts={alerts.data.items}
            readOnly={readOnly}
            busyAlertIds={
              acknowledge.isPending && acknowledge.variables
                ? new Set([acknowledge.variables.alertId])
                : undefined
            }
            onAcknowledge={(alert) => acknowledge.mutate({ alertId: alert.id })}
            onAction={onAlertAction}
          />
        ) : null
      }
      mappingSlot={
        mappingTarget && fieldMapping.summary.isError ? (
          panelError('the field mapping', fieldMapping.summary)
        ) : mappingTarget && fieldMapping.summary.data ? (
          <>
            <label className="propsync-field">
              <span>Review the field mapping of</span>{' '}
              <select
                value={mappingTarget.id}
                onChange={(event) => setMappingConnectionId(event.target.value)}
              >
                {mappable.map((connection) => (
                  <option key={connection.id} value={connection.id}>
                    {connection.providerName}
                  </option>
                ))}
              </select>
            </label>
            <FieldMappingSummary
              providerName={mappingTarget.providerName}
              summary={fieldMapping.summary.data}
              confirming={fieldMapping.confirm.isPending}
              onConfirm={
                readOnly ? undefined : () => fieldMapping.confirm.mutate({ connectionId: mappingTarget.id })
              }
            />
          </>
        ) : null
      }
      historySlot={
        history.isError ? (
          panelError('the sync history', history)
        ) : history.data ? (
          <SyncHistoryChart points={history.data} />
        ) : null
      }
      auditLogSlot={
        apiUnavailable ? null : (
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
        )
      }
    />
  );
}
