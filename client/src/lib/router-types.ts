import type {
  InfiniteData,
  UseInfiniteQueryResult,
  UseMutationResult,
  UseQueryResult,
} from '@tanstack/react-query';
import type { FieldMappingSummary } from '../../../shared/api/connection.dto.ts';
import type { PropsyncClientError } from '../../../shared/api/error.dto.ts';
import type { Page } from '../../../shared/api/page.dto.ts';
import type { SyncRunDetails, SyncRunSummary } from '../../../shared/api/sync-run.dto.ts';

/**
 * The API's shapes as the hooks hand them out: the plain types of shared/api, which the server's
 * router is checked against. Deliberately no tRPC type: a host type-checks these against React
 * and React Query only (tRPC's own declarations need Node's types).
 */
export type { PropsyncClientError, PropsyncErrorData } from '../../../shared/api/error.dto.ts';
export type {
  AccessAtProvider,
  AgencySchedule,
  ConnectInput,
  ConnectionIdInput,
  ConnectionSummary,
  DisconnectResult,
  FinishOAuthInput,
  OAuthFinish,
  OAuthStart,
  ReconnectInput,
  SetScheduleInput,
  StartOAuthInput,
  SyncQueued,
} from '../../../shared/api/connection.dto.ts';
export type {
  AuthKind,
  ConnectField,
  ConnectionStatus,
  CrmProvider,
  ProviderInfo,
  ProviderListing,
  RateLimits,
} from '../../../shared/api/provider.dto.ts';
export type {
  ConflictDetail,
  ConflictFieldDiff,
  ConflictSummary,
  ConflictWinner,
} from '../../../shared/api/conflict.dto.ts';
export type {
  AcknowledgeAlertInput,
  AlertAction,
  AlertKind,
  AlertSeverity,
  AlertView,
} from '../../../shared/api/alert.dto.ts';
export type {
  SyncDirection,
  SyncHistoryPoint,
  SyncLogEntry,
  SyncLogStatus,
  SyncRunDetail,
  SyncRunDetails,
  SyncRunError,
  SyncRunFilters,
  SyncRunStatus,
  SyncRunSummary,
  SyncTrigger,
} from '../../../shared/api/sync-run.dto.ts';
export type { ContactExternalIdView, ContactLookupResult } from '../../../shared/api/contact.dto.ts';
export type { Page } from '../../../shared/api/page.dto.ts';

export type SyncRunPage = Page<SyncRunSummary>;
export type SyncLogPage = SyncRunDetails['log'];
export type FieldMappingSummaryData = FieldMappingSummary;

/** A query hook's result: React Query's, with the API's data and Propsync's error. */
export type PropsyncQueryResult<TData> = UseQueryResult<TData, PropsyncClientError>;
/** A paged query hook's result; `pageParams` are the cursors asked for. */
export type PropsyncInfiniteQueryResult<TPage> = UseInfiniteQueryResult<
  InfiniteData<TPage, string | null | undefined>,
  PropsyncClientError
>;
/** A mutation hook's result: `mutate(input)` answers `TData`. */
export type PropsyncMutationResult<TInput, TData> = UseMutationResult<TData, PropsyncClientError, TInput>;
