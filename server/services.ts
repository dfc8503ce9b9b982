import { AdapterResolver } from './adapters/adapter-resolver.ts';
import { EmbedTokens } from './auth/embed-token.ts';
import { loadTokenSecret } from './auth/token-secret.ts';
import type { AppConfig } from './config.ts';
import { ConnectionService } from './connections/connection-service.ts';
import { applyMigrations, createOrm, type Orm } from './db/orm.ts';
import { PostgresSyncStore } from './db/sync-store.ts';
import type { Logger } from './logger.ts';
import { runSyncCycle, type SyncCycleDependencies, type SyncCycleResult } from './sync/sync-cycle.ts';
import type { CrmAdapter } from './ports/crm-adapter.ts';
import { InProcessSyncRunner } from './sync/sync-runner.ts';
import type { SyncRunTrigger } from './ports/sync-store.ts';
import { createCredentialVault, type CredentialVault } from './vault/credential-vault.ts';

export type Services = {
  config: AppConfig;
  logger: Logger;
  orm: Orm;
  vault: CredentialVault;
  tokens: EmbedTokens;
  adapters: AdapterResolver;
  connections: ConnectionService;
  syncRunner: InProcessSyncRunner;
  runSyncCycle: (connectionId: string, trigger: SyncRunTrigger) => ReturnType<typeof runSyncCycle>;
  close: () => Promise<void>;
};

export type ServiceOptions = {
  /** Test hooks: faster retries, a fixed clock, a custom fetch. */
  sync?: Partial<Pick<SyncCycleDependencies, 'retryPolicy' | 'overlapMs' | 'now'>>;
  fetchImplementation?: typeof fetch;
  httpTimeoutMs?: number;
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
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  const vault = createCredentialVault(config, logger);
  const tokens = new EmbedTokens(loadTokenSecret(config, logger));
  const adapters = new AdapterResolver(logger, {
    ...(options.fetchImplementation ? { fetchImplementation: options.fetchImplementation } : {}),
    ...(options.httpTimeoutMs ? { timeoutMs: options.httpTimeoutMs } : {}),
  });
  const store = new PostgresSyncStore(orm.em);
  // The runner and the connection service need each other; the cycle only calls back later.
  const cycle = (connectionId: string, trigger: SyncRunTrigger): Promise<SyncCycleResult> =>
    runSyncCycle(
      { store, adapterFor: (id: string): Promise<CrmAdapter> => connections.adapterFor(id), logger, ...options.sync },
      connectionId,
      trigger,
    );
  const syncRunner: InProcessSyncRunner = new InProcessSyncRunner(cycle, logger);
  const connections: ConnectionService = new ConnectionService({ em: orm.em, vault, adapters, scheduler: syncRunner, logger });
  return {
    config,
    logger,
    orm,
    vault,
    tokens,
    adapters,
    connections,
    syncRunner,
    runSyncCycle: cycle,
    close: async () => {
      await syncRunner.whenIdle();
      await orm.close(true);
    },
  };
}
