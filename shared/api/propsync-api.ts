/**
 * Propsync's API as a host's client sees it: every procedure, its kind, its input and its answer,
 * in terms of the plain DTO types beside this file. The embed package's declarations are built
 * from this (not from the server's router, whose type carries its context: services, the ORM,
 * Node), so a host type-checks against shared/ only. `server/trpc/routers/_app.ts` refuses to
 * compile when the router and this description differ, naming the procedure.
 */
import type {
  TRPCBuiltRouter,
  TRPCDefaultErrorData,
  TRPCDefaultErrorShape,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';
import type { AlertView } from './alert.dto.ts';
import type { ConflictDetail, ConflictSummary } from './conflict.dto.ts';
import type {
  AgencySchedule,
  ConnectionSummary,
  DisconnectResult,
  FieldMappingSummary,
  OAuthFinish,
  OAuthStart,
  SyncQueued,
} from './connection.dto.ts';
import type { ContactLookupResult } from './contact.dto.ts';
import type {
  EmailReportResult,
  EngagementContact,
  HostWebhookConfigured,
  HostWebhookRemoved,
  HostWebhookSettings,
} from './engagement.dto.ts';
import type { Page } from './page.dto.ts';
import type { CrmProvider, ProviderListing } from './provider.dto.ts';
import type {
  SyncDirection,
  SyncHistoryPoint,
  SyncLogEntry,
  SyncLogStatus,
  SyncRunDetails,
  SyncRunStatus,
  SyncRunSummary,
} from './sync-run.dto.ts';

type Query<TInput, TOutput> = TRPCQueryProcedure<{ input: TInput; output: TOutput; meta: object }>;
type Mutation<TInput, TOutput> = TRPCMutationProcedure<{ input: TInput; output: TOutput; meta: object }>;

/** The `data` of every error answer: tRPC's, plus Propsync's stable code and per-field problems. */
export type PropsyncErrorData = TRPCDefaultErrorData & {
  /** One of `server/errors.ts`'s codes (e.g. `CONNECTION.NOT_FOUND`), when the failure has one. */
  propsyncCode: string | null;
  /** Bad input, field by field. */
  fieldErrors: Record<string, string[] | undefined> | null;
};
export type PropsyncErrorShape = TRPCDefaultErrorShape & { data: PropsyncErrorData };

type PageInput = { cursor?: string | null; limit?: number };
type ConnectionIdInput = { connectionId: string };

/** Every procedure of the API. Add a procedure here and to its router together. */
export type PropsyncApiRecord = {
  providers: {
    list: Query<void, ProviderListing[]>;
  };
  connections: {
    list: Query<void, ConnectionSummary[]>;
    get: Query<ConnectionIdInput, ConnectionSummary>;
    connect: Mutation<
      { provider: CrmProvider; credentials: Record<string, string>; settings?: Record<string, string> },
      ConnectionSummary
    >;
    startOAuth: Mutation<
      { provider: CrmProvider; settings?: Record<string, string>; returnTo: string; connectionId?: string },
      OAuthStart
    >;
    finishOAuth: Mutation<{ signInId: string }, OAuthFinish>;
    syncNow: Mutation<ConnectionIdInput, SyncQueued>;
    setSchedule: Mutation<ConnectionIdInput & { intervalMinutes: number | null }, ConnectionSummary>;
    setAgencySchedule: Mutation<{ intervalMinutes: number }, AgencySchedule>;
    reconnect: Mutation<
      ConnectionIdInput & { credentials: Record<string, string>; settings?: Record<string, string> },
      ConnectionSummary
    >;
    fieldMapping: Query<ConnectionIdInput, FieldMappingSummary>;
    confirmFieldMapping: Mutation<ConnectionIdInput, FieldMappingSummary>;
    disconnect: Mutation<ConnectionIdInput, DisconnectResult>;
  };
  engagement: {
    reportEmail: Mutation<
      {
        contactId: string;
        event: 'sent' | 'opened' | 'clicked';
        messageId: string;
        subject?: string;
        occurredAt?: string;
      },
      EmailReportResult
    >;
    contact: Query<{ contactId: string }, EngagementContact>;
  };
  hostWebhooks: {
    get: Query<void, HostWebhookSettings>;
    configure: Mutation<{ url: string; secret: string }, HostWebhookConfigured>;
    remove: Mutation<void, HostWebhookRemoved>;
  };
  syncRuns: {
    list: Query<
      PageInput & {
        connectionId?: string;
        status?: SyncRunStatus;
        syncDirection?: SyncDirection;
        from?: string;
        to?: string;
      },
      Page<SyncRunSummary>
    >;
    get: Query<{ runId: string; logLimit?: number }, SyncRunDetails>;
    log: Query<PageInput & { runId: string; status?: SyncLogStatus }, Page<SyncLogEntry>>;
    history: Query<
      { connectionId?: string; from?: string; to?: string; limit?: number },
      SyncHistoryPoint[]
    >;
  };
  conflicts: {
    list: Query<
      PageInput & { connectionId?: string; contactId?: string; syncRunId?: string },
      Page<ConflictSummary>
    >;
    get: Query<{ conflictId: string }, ConflictDetail>;
  };
  alerts: {
    list: Query<
      PageInput & { state?: 'open' | 'unresolved' | 'all'; connectionId?: string },
      Page<AlertView>
    >;
    acknowledge: Mutation<{ alertId: string }, AlertView>;
  };
  contacts: {
    lookup: Query<
      { by: 'email' | 'name' | 'externalId'; value: string; limit?: number },
      ContactLookupResult[]
    >;
  };
};

/**
 * The router type a tRPC client is created with. Declaration only: nothing at run time has this
 * type, and the server's own router is checked against it.
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: PropsyncErrorShape; transformer: false },
  PropsyncApiRecord
>;
