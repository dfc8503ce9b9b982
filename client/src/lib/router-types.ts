import type { TRPCClientErrorLike } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../shared/api/propsync-api.ts';

/**
 * Shapes of the API's answers, as the hooks receive them: inferred from the API description in
 * shared/api (which the server's router is checked against), so client and server never drift.
 */
type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type { AppRouter, PropsyncErrorData, PropsyncErrorShape } from '../../../shared/api/propsync-api.ts';
export type {
  AccessAtProvider,
  ConnectionSummary,
} from '../../../shared/api/connection.dto.ts';
export type {
  AuthKind,
  ConnectField,
  ConnectionStatus,
  CrmProvider,
  ProviderInfo,
  RateLimits,
} from '../../../shared/api/provider.dto.ts';
export type { ConflictWinner } from '../../../shared/api/conflict.dto.ts';
export type { AlertAction, AlertKind, AlertSeverity } from '../../../shared/api/alert.dto.ts';
export type { SyncDirection, SyncLogStatus, SyncTrigger } from '../../../shared/api/sync-run.dto.ts';
export type { Page } from '../../../shared/api/page.dto.ts';

/** What a failed query or mutation of the hooks carries: the message, and `data` with Propsync's code. */
export type PropsyncClientError = TRPCClientErrorLike<AppRouter>;

export type ProviderListing = Outputs['providers']['list'][number];
export type SyncRunPage = Outputs['syncRuns']['list'];
export type SyncRunSummary = SyncRunPage['items'][number];
export type SyncRunDetails = Outputs['syncRuns']['get'];
export type SyncRunDetail = SyncRunDetails['run'];
export type SyncRunError = SyncRunDetail['errors'][number];
export type SyncLogPage = Outputs['syncRuns']['log'];
export type SyncLogEntry = SyncLogPage['items'][number];
export type SyncHistoryPoint = Outputs['syncRuns']['history'][number];
export type ConflictSummary = Outputs['conflicts']['list']['items'][number];
export type ConflictDetail = Outputs['conflicts']['get'];
export type AlertView = Outputs['alerts']['list']['items'][number];
export type ContactLookupResult = Outputs['contacts']['lookup'][number];

/** The audit log's filters, as the syncRuns.list procedure takes them (without paging). */
export type SyncRunFilters = Omit<Inputs['syncRuns']['list'], 'cursor' | 'limit'>;
export type SyncRunStatus = SyncRunSummary['status'];
export type FieldMappingSummaryData = Outputs['connections']['fieldMapping'];
