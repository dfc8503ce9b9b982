/**
 * Propsync's API as a host's client sees it: every procedure, its kind, its input and its answer,
 * in terms of the plain DTO types beside this file. The embed package's declarations are built
 * from this (not from the server's router, whose type carries its context: services, the ORM,
 * Node), so a host type-checks against shared/ only. `server/entry/trpc/routers/_app.ts` refuses to
 * compile when the router and this description differ, naming the procedure.
 */
import type {
  TRPCBuiltRouter,
  TRPCDefaultErrorData,
  TRPCDefaultErrorShape,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';
import type { AgencyCreated, AgencySummary, OffboardingReport } from './agency.dto.ts';
import type { AcknowledgeAlertInput, AlertListInput, AlertView } from './alert.dto.ts';
import type { ContactErasureReport } from './erasure.dto.ts';
import type { PropsyncErrorData } from './error.dto.ts';
import type { ConflictDetail, ConflictSummary } from './conflict.dto.ts';
import type {
  AgencySchedule,
  ConnectInput,
  ConnectionIdInput,
  ConnectionSummary,
  FinishOAuthInput,
  ReconnectInput,
  SetMappingOverridesInput,
  SetScheduleInput,
  StartOAuthInput,
  DisconnectResult,
  FieldMappingSummary,
  MappingHistoryEntry,
  OAuthFinish,
  OAuthStart,
  SyncQueued,
} from './connection.dto.ts';
import type {
  ContactFeedPage,
  ContactLookupResult,
  ContactUpdateInput,
  PlatformChangeResult,
  RecordConsentInput,
} from './contact.dto.ts';
import type {
  ConnectionIssueCounts,
  FailedWriteActionResult,
  FailedWriteIdInput,
  FailedWriteListInput,
  FailedWriteView,
} from './failed-write.dto.ts';
import type {
  EmailReportResult,
  EngagementContact,
  HostWebhookConfigured,
  HostWebhookRemoved,
  HostWebhookSettings,
} from './engagement.dto.ts';
import type { Page, PageInput } from './page.dto.ts';
import type { ProviderListing } from './provider.dto.ts';
import type {
  SyncHistoryPoint,
  SyncLogEntry,
  SyncLogStatus,
  SyncRunDetails,
  SyncRunFilters,
  SyncRunSummary,
} from './sync-run.dto.ts';

type Query<TInput, TOutput> = TRPCQueryProcedure<{ input: TInput; output: TOutput; meta: object }>;
type Mutation<TInput, TOutput> = TRPCMutationProcedure<{ input: TInput; output: TOutput; meta: object }>;

/** Error answers: tRPC's shape, with `data` as error.dto.ts describes it. */
export type PropsyncErrorShape = TRPCDefaultErrorShape & {
  data: TRPCDefaultErrorData & Pick<PropsyncErrorData, 'propsyncCode' | 'fieldErrors'>;
};

/** Every procedure of the API. Add a procedure here and to its router together. */
export type PropsyncApiRecord = {
  /** Host-token procedures: the host's backend provisions and offboards agencies. */
  agencies: {
    create: Mutation<{ name: string; externalRef?: string }, AgencyCreated>;
    list: Query<void, AgencySummary[]>;
    rename: Mutation<{ id: string; name: string }, AgencySummary>;
    offboard: Mutation<{ id: string; dryRun: boolean }, OffboardingReport>;
  };
  providers: {
    list: Query<void, ProviderListing[]>;
  };
  connections: {
    list: Query<void, ConnectionSummary[]>;
    get: Query<ConnectionIdInput, ConnectionSummary>;
    connect: Mutation<ConnectInput, ConnectionSummary>;
    startOAuth: Mutation<StartOAuthInput, OAuthStart>;
    finishOAuth: Mutation<FinishOAuthInput, OAuthFinish>;
    syncNow: Mutation<ConnectionIdInput, SyncQueued>;
    setSchedule: Mutation<SetScheduleInput, ConnectionSummary>;
    setAgencySchedule: Mutation<{ intervalMinutes: number }, AgencySchedule>;
    reconnect: Mutation<ReconnectInput, ConnectionSummary>;
    fieldMapping: Query<ConnectionIdInput, FieldMappingSummary>;
    confirmFieldMapping: Mutation<ConnectionIdInput, FieldMappingSummary>;
    setMappingOverrides: Mutation<SetMappingOverridesInput, FieldMappingSummary>;
    mappingHistory: Query<ConnectionIdInput, MappingHistoryEntry[]>;
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
    list: Query<PageInput & SyncRunFilters, Page<SyncRunSummary>>;
    get: Query<{ runId: string; logLimit?: number }, SyncRunDetails>;
    log: Query<PageInput & { runId: string; status?: SyncLogStatus }, Page<SyncLogEntry>>;
    history: Query<{ connectionId?: string; from?: string; to?: string; limit?: number }, SyncHistoryPoint[]>;
  };
  conflicts: {
    list: Query<
      PageInput & { connectionId?: string; contactId?: string; syncRunId?: string },
      Page<ConflictSummary>
    >;
    get: Query<{ conflictId: string }, ConflictDetail>;
  };
  alerts: {
    list: Query<AlertListInput, Page<AlertView>>;
    acknowledge: Mutation<AcknowledgeAlertInput, AlertView>;
  };
  failedWrites: {
    list: Query<FailedWriteListInput, FailedWriteView[]>;
    retry: Mutation<FailedWriteIdInput, FailedWriteActionResult>;
    dismiss: Mutation<FailedWriteIdInput, FailedWriteActionResult>;
    counts: Query<void, ConnectionIssueCounts[]>;
  };
  contacts: {
    list: Query<{ cursor?: string; changedSince?: string; limit?: number }, ContactFeedPage>;
    lookup: Query<
      { by: 'email' | 'name' | 'externalId'; value: string; limit?: number },
      ContactLookupResult[]
    >;
    erase: Mutation<{ contactId: string }, ContactErasureReport>;
    recordConsent: Mutation<RecordConsentInput, PlatformChangeResult>;
    update: Mutation<ContactUpdateInput, PlatformChangeResult>;
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
