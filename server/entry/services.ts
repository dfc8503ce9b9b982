import { AdapterResolver } from '../adapters/adapter-resolver.ts';
import { AgencyService } from '../application/agencies/agency-service.ts';
import { EmbedTokens } from '../application/auth/embed-token.ts';
import { loadTokenSecret } from '../application/auth/token-secret.ts';
import type { AppConfig } from '../infrastructure/config.ts';
import { PropsyncError } from '../core/errors.ts';
import { OAuthSignIn } from '../application/connections/oauth-sign-in.ts';
import { ConnectionService } from '../application/connections/connection-service.ts';
import { FieldMappingReview } from '../application/connections/field-mapping.ts';
import { applyMigrations, createOrm, type Orm } from '../infrastructure/db/orm.ts';
import { registerProviders } from '../infrastructure/db/provider-table.ts';
import { PROVIDER_INFOS } from '../adapters/registry.ts';
import { ConnectionLocks } from '../infrastructure/db/connection-locks.ts';
import { PostgresSyncStore } from '../infrastructure/db/sync-store.ts';
import { PostgresErasureStore } from '../infrastructure/db/erasure-store.ts';
import { identifierHasher } from '../infrastructure/db/identifier-hasher.ts';
import { ContactErasure } from '../application/contacts/contact-erasure.ts';
import { PostgresGrantStores } from '../infrastructure/db/grant-store.ts';
import { PostgresRateBudget } from '../infrastructure/db/rate-budget-store.ts';
import { InMemoryRateBudget } from '../adapters/adapter-kit/in-memory-rate-budget.ts';
import { PostgresAgencyStore } from '../infrastructure/db/agency-store.ts';
import { PostgresConnectionStore } from '../infrastructure/db/connection-store.ts';
import { PostgresEngagementStore } from '../infrastructure/db/engagement-store.ts';
import { PostgresFieldMappingStore } from '../infrastructure/db/field-mapping-store.ts';
import { PostgresOAuthSignInStore } from '../infrastructure/db/oauth-sign-in-store.ts';
import { PostgresHostEventStore } from '../infrastructure/db/host-event-store.ts';
import { PostgresWebhookDeliveryStore } from '../infrastructure/db/webhook-delivery-store.ts';
import type { Logger } from '../infrastructure/logger.ts';
import { PropsyncMetrics } from '../infrastructure/observability/metrics.ts';
import { createEgressFetch } from '../infrastructure/egress/egress-fetch.ts';
import { egressPolicyFromConfig, type EgressPolicy } from '../infrastructure/egress/egress-policy.ts';
import { EngagementService } from '../application/engagement/engagement-service.ts';
import { PlatformChangeService } from '../application/contacts/platform-change-service.ts';
import { PostgresPlatformChangeStore } from '../infrastructure/db/platform-change-store.ts';
import { WebhookInbox } from '../application/webhooks/webhook-inbox.ts';
import { DEFAULT_PARKING_POLICY } from '../application/webhooks/parking-policy.ts';
import { HostEventDispatcher } from '../application/host-events/host-event-dispatcher.ts';
import { HostWebhookSettings } from '../application/host-events/host-webhook-settings.ts';
import { runSyncCycle, type SyncCycleDependencies, type SyncCycleResult } from '../core/sync/sync-cycle.ts';
import type { CrmAdapter } from '../core/ports/crm-adapter.ts';
import { SyncJobQueue } from '../infrastructure/scheduling/sync-job-queue.ts';
import { startClaimedTicks, startSyncSchedule } from '../infrastructure/scheduling/sync-schedule.ts';
import { PostgresReconciliationStore } from '../infrastructure/db/reconciliation-store.ts';
import { PostgresRetention } from '../infrastructure/db/retention.ts';
import { reconcileDue, type ReconciliationDependencies } from '../core/sync/reconcile-connection.ts';
import type { SyncRunTrigger } from '../core/ports/sync-store.ts';
import { createCredentialVault, type CredentialVault } from '../infrastructure/vault/credential-vault.ts';

export type Services = {
  config: AppConfig;
  logger: Logger;
  orm: Orm;
  vault: CredentialVault;
  tokens: EmbedTokens;
  adapters: AdapterResolver;
  connections: ConnectionService;
  agencies: AgencyService;
  oauth: OAuthSignIn;
  syncStore: PostgresSyncStore;
  jobs: SyncJobQueue;
  metrics: PropsyncMetrics;
  engagement: EngagementService;
  /** Consent and field changes the host platform makes, pushed to every linked CRM. */
  platformChanges: PlatformChangeService;
  webhooks: WebhookInbox;
  hostWebhooks: HostWebhookSettings;
  hostEvents: HostEventDispatcher;
  /** What the periodic reconciliation of id sets with the CRMs runs with (`reconcileConnection`). */
  reconciliation: ReconciliationDependencies;
  /** The right to erasure (`contacts.erase`). */
  erasure: ContactErasure;
  /** The field-mapping review an admin does before a connection goes live. */
  fieldMapping: FieldMappingReview;
  /** What outbound calls may reach (every CRM call and host webhook goes through it). */
  egress: EgressPolicy;
  runSyncCycle: (
    connectionId: string,
    trigger: SyncRunTrigger,
    scheduledFor?: Date | null,
  ) => Promise<SyncCycleResult>;
  /** Starts this process's share of the work: sync workers and the scheduler tick, as configured. */
  startBackgroundWork: (options?: { scheduleExpression?: string }) => Promise<void>;
  /** Resolves once no sync job is queued or running in any process. */
  whenIdle: (timeoutMs?: number) => Promise<void>;
  close: () => Promise<void>;
};

export type ServiceOptions = {
  /** Test hooks: faster retries, a fixed clock, a custom fetch (which bypasses the egress policy). */
  sync?: Partial<Pick<SyncCycleDependencies, 'retryPolicy' | 'overlapMs' | 'now' | 'outboundBudgetMs'>>;
  fetchImplementation?: typeof fetch;
  httpTimeoutMs?: number;
  /** The engagement clock (test hook: scores decay with time). */
  clock?: () => Date;
  /** How long offboarding waits for a running cycle of the agency (test hook). */
  offboardingLockTimeoutMs?: number;
  /** Bench hook: each process paces alone, as before budgets were shared, to show what sharing prevents. */
  perProcessRateBudget?: boolean;
};

/** The composition root: builds every service from configuration over one migrated database. */
export async function createServices(
  config: AppConfig,
  logger: Logger,
  databaseUrl: string,
  options: ServiceOptions = {},
): Promise<Services> {
  const orm = await createOrm(databaseUrl);
  const applied = await applyMigrations(orm);
  await registerProviders(orm.em.fork(), PROVIDER_INFOS);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  const vault = createCredentialVault(config, logger);
  const tokenSecret = loadTokenSecret(config, logger);
  const tokens = new EmbedTokens(tokenSecret, {
    maxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
  });
  // Erasure tombstones are keyed with the deployment's secret, so a leaked table cannot be reversed.
  const hashIdentifier = identifierHasher(tokenSecret);
  const grantStores = new PostgresGrantStores(orm.em, vault);
  const egress = egressPolicyFromConfig(config);
  const outboundFetch = options.fetchImplementation ?? createEgressFetch(egress);
  const locks = new ConnectionLocks(databaseUrl, logger);
  // Metrics read the queue, and adapters report to metrics: the closure breaks the cycle.
  let metrics: PropsyncMetrics | null = null;
  const adapters = new AdapterResolver(logger, {
    fetchImplementation: outboundFetch,
    hostConfig: config.crmHosts,
    ...(options.httpTimeoutMs ? { timeoutMs: options.httpTimeoutMs } : {}),
    onResponse: (event) => metrics?.observeResponse(event),
    grantStoreFor: (connectionId, fingerprint) => grantStores.for(connectionId, fingerprint),
    // One budget per CRM customer across the server and every worker (README: "Rate budgets").
    rateBudget: options.perProcessRateBudget
      ? new InMemoryRateBudget()
      : new PostgresRateBudget(orm.em, { ownerPid: () => locks.sessionPid() }),
  });
  const syncStore = new PostgresSyncStore(orm.em, locks, {
    failingAlertAfterMs: config.failingAlertAfterMinutes * 60_000,
    identifierHasher: hashIdentifier,
  });
  const jobs = await SyncJobQueue.start(databaseUrl, logger);
  metrics = new PropsyncMetrics({ em: orm.em, jobs });
  const processMetrics = metrics;
  const connections: ConnectionService = new ConnectionService({
    egress,
    store: new PostgresConnectionStore(orm.em),
    vault,
    adapters,
    scheduler: { enqueue: (connectionId, trigger) => jobs.enqueue({ connectionId, trigger }) },
    logger,
    publicUrl: config.publicUrl,
  });
  const agencies = new AgencyService({
    store: new PostgresAgencyStore(orm.em),
    connections,
    logger,
    ...(options.offboardingLockTimeoutMs ? { lockTimeoutMs: options.offboardingLockTimeoutMs } : {}),
  });
  // The connection service and the cycle need each other; the cycle only calls back later.
  const cycle = (
    connectionId: string,
    trigger: SyncRunTrigger,
    scheduledFor: Date | null = null,
  ): Promise<SyncCycleResult> =>
    runSyncCycle(
      {
        store: syncStore,
        adapterFor: (id: string): Promise<CrmAdapter> => connections.adapterFor(id),
        logger,
        onFinished: processMetrics.observeCycle,
        requestFollowUp: (connectionId) => jobs.enqueue({ connectionId, trigger: 'webhook', followUp: true }),
        onSignals: (organisationId, contactIds, connectionId) =>
          engagement.rescoreAfterActivities(organisationId, contactIds, {
            pushingConnectionId: connectionId,
          }),
        ...options.sync,
      },
      connectionId,
      trigger,
      scheduledFor,
    );
  // Queued writes go out with the connection's next cycle, which holds its lock and its pacing.
  const requestPush = async (connectionIds: string[]) => {
    for (const connectionId of connectionIds) await jobs.enqueue({ connectionId, trigger: 'webhook' });
  };
  const engagement = new EngagementService({
    store: new PostgresEngagementStore(orm.em),
    logger,
    ...(options.clock ? { now: options.clock } : {}),
    requestPush,
  });
  const platformChanges = new PlatformChangeService({
    store: new PostgresPlatformChangeStore(orm.em),
    requestPush,
    ...(options.clock ? { now: options.clock } : {}),
  });
  const webhooks = new WebhookInbox({
    deliveries: new PostgresWebhookDeliveryStore(orm.em),
    connections,
    store: syncStore,
    engagement,
    jobs,
    metrics: processMetrics,
    logger,
    parking: {
      retry: { ...DEFAULT_PARKING_POLICY.retry, attempts: config.webhookParking.maxAttempts },
      maxParkedMs: config.webhookParking.maxHours * 60 * 60_000,
    },
  });
  const hostEventStore = new PostgresHostEventStore(orm.em);
  const hostWebhooks = new HostWebhookSettings({ store: hostEventStore, vault, egress });
  const oauth = new OAuthSignIn({
    store: new PostgresOAuthSignInStore(orm.em),
    vault,
    adapters,
    connections,
    apps: config.oauthApps,
    publicUrl: config.publicUrl,
    // A host origin allowed to call the API embeds the page a sign-in starts from: it may be returned to.
    returnOrigins: [...config.returnOrigins, ...(config.allowedOrigins === '*' ? [] : config.allowedOrigins)],
    logger,
  });
  const hostEvents = new HostEventDispatcher({
    store: hostEventStore,
    vault,
    logger,
    fetchImplementation: outboundFetch,
  });
  let hostEventTimer: NodeJS.Timeout | null = null;
  let parkedTimer: NodeJS.Timeout | null = null;
  let schedule: { stop: () => Promise<void> } | null = null;
  let claimedTicks: { stop: () => Promise<void> } | null = null;
  const reconciliation: ReconciliationDependencies = {
    store: new PostgresReconciliationStore(orm.em, locks),
    adapterFor: (id) => connections.adapterFor(id),
    logger,
  };
  const retention = new PostgresRetention(orm.em, config.retention);
  let working = false;

  return {
    config,
    logger,
    orm,
    vault,
    tokens,
    adapters,
    connections,
    agencies,
    oauth,
    syncStore,
    jobs,
    metrics: processMetrics,
    engagement,
    platformChanges,
    webhooks,
    hostWebhooks,
    hostEvents,
    reconciliation,
    erasure: new ContactErasure({ store: new PostgresErasureStore(orm.em, hashIdentifier), logger }),
    // Writes held back until the confirmation go out with a cycle queued as the admin's own
    // request ("manual": ahead of background cycles).
    fieldMapping: new FieldMappingReview(new PostgresFieldMappingStore(orm.em), async (connectionId) => {
      await jobs.enqueue({ connectionId, trigger: 'manual' });
    }),
    egress,
    runSyncCycle: cycle,
    async startBackgroundWork(startOptions = {}) {
      if (config.syncConcurrency > 0 && !working) {
        working = true;
        await jobs.work(
          async (job) => {
            const result = await cycle(
              job.connectionId,
              job.trigger,
              job.scheduledFor ? new Date(job.scheduledFor) : null,
            ).catch((error: unknown) => {
              // Queued before its connection was disconnected (or its agency offboarded): nothing to do,
              // and retrying would only repeat the refusal.
              if (error instanceof PropsyncError && error.code === 'CONNECTION.DISCONNECTED') return null;
              throw error;
            });
            if (!result) return 'done';
            // A scheduled slot or first import must run: if another cycle holds the connection, retry shortly.
            // A "sync now" during a running cycle is answered by that cycle.
            return result.status === 'busy' && job.trigger !== 'manual' ? 'busy' : 'done';
          },
          { concurrency: config.syncConcurrency },
        );
        await jobs.workWebhooks((connectionId) => webhooks.processPending(connectionId), {
          concurrency: config.syncConcurrency,
        });
      }
      if (config.syncConcurrency > 0 && !hostEventTimer) {
        let delivering = false;
        hostEventTimer = setInterval(() => {
          if (delivering) return;
          delivering = true;
          hostEvents
            .deliverDue()
            .catch((error: unknown) => logger.error({ err: error }, 'host event delivery failed'))
            .finally(() => (delivering = false));
        }, 1_000);
        hostEventTimer.unref();
        // A parked delivery on a quiet connection is retried (or dead-lettered) without waiting for the next one.
        parkedTimer = setInterval(() => {
          webhooks
            .retryDueParked()
            .catch((error: unknown) =>
              logger.error({ err: error }, 'retrying parked webhook deliveries failed'),
            );
        }, 60_000);
        parkedTimer.unref();
      }
      if (config.schedulerEnabled && !schedule) {
        schedule = startSyncSchedule(databaseUrl, jobs, logger, startOptions.scheduleExpression);
        claimedTicks = startClaimedTicks(logger, [
          {
            expression: '30 * * * * *',
            work: async () => ({
              rescored: (await engagement.rescoreDue(config.rescoreIntervalMinutes * 60_000)).rescored,
            }),
            done: 'rescored contacts as their signals aged',
            failed: 'scheduled rescoring failed',
          },
          {
            expression: '45 * * * * *',
            work: () => reconcileDue(reconciliation, config.reconcileIntervalHours * 60 * 60_000),
            done: 'reconciled connections with their CRMs',
            failed: 'scheduled reconciliation failed',
          },
          {
            // Checked every minute, run once per hour across every process (claimed in maintenance_slots).
            expression: '50 * * * * *',
            work: async () => (await retention.runDue()) ?? {},
            done: 'removed rows past their retention',
            failed: 'scheduled retention failed',
          },
        ]);
      }
    },
    whenIdle: async (timeoutMs) => {
      await webhooks.sendsMade();
      await jobs.whenIdle(timeoutMs);
    },
    close: async () => {
      if (hostEventTimer) clearInterval(hostEventTimer);
      if (parkedTimer) clearInterval(parkedTimer);
      await schedule?.stop();
      await claimedTicks?.stop();
      await jobs.stop();
      await locks.close();
      await orm.close(true);
    },
  };
}
