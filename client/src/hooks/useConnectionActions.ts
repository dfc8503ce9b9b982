import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
import type {
  ConnectInput,
  ConnectionIdInput,
  ConnectionSummary,
  DisconnectResult,
  FinishOAuthInput,
  OAuthFinish,
  OAuthStart,
  PropsyncMutationResult,
  ReconnectInput,
  SetScheduleInput,
  StartOAuthInput,
  SyncQueued,
} from '../lib/router-types.ts';

export type ConnectionActions = {
  connect: PropsyncMutationResult<ConnectInput, ConnectionSummary>;
  syncNow: PropsyncMutationResult<ConnectionIdInput, SyncQueued>;
  reconnect: PropsyncMutationResult<ReconnectInput, ConnectionSummary>;
  disconnect: PropsyncMutationResult<ConnectionIdInput, DisconnectResult>;
  setSchedule: PropsyncMutationResult<SetScheduleInput, ConnectionSummary>;
  startSignIn: PropsyncMutationResult<StartOAuthInput, OAuthStart>;
  finishSignIn: PropsyncMutationResult<FinishOAuthInput, OAuthFinish>;
};

/** Every change to a connection, each refreshing the connection list (and the audit log) when done. */
export function useConnectionActions(): ConnectionActions {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.connections.pathFilter()),
      queryClient.invalidateQueries(trpc.syncRuns.pathFilter()),
    ]);
  const connect = useMutation(trpc.connections.connect.mutationOptions({ onSuccess: refresh }));
  const syncNow = useMutation(trpc.connections.syncNow.mutationOptions({ onSuccess: refresh }));
  const reconnect = useMutation(trpc.connections.reconnect.mutationOptions({ onSuccess: refresh }));
  const disconnect = useMutation(trpc.connections.disconnect.mutationOptions({ onSuccess: refresh }));
  const setSchedule = useMutation(trpc.connections.setSchedule.mutationOptions({ onSuccess: refresh }));
  // The browser leaves for the CRM's sign-in page; the connection appears on the way back.
  const startSignIn = useMutation(trpc.connections.startOAuth.mutationOptions());
  const finishSignIn = useMutation(trpc.connections.finishOAuth.mutationOptions({ onSuccess: refresh }));
  return { connect, syncNow, reconnect, disconnect, setSchedule, startSignIn, finishSignIn };
}
