import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/trpc/routers/_app.ts';

/** Shapes of the API's answers, inferred from the router type so client and server never drift. */
type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

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
