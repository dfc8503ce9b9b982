import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { CrmProvider } from '../shared/providers.ts';
import { ensureDatabase } from '../server/infrastructure/db/database.ts';
import type { Services } from '../server/entry/services.ts';
import { createDrivenServices, dropDatabase } from '../server/test-support/driven-services.ts';
import { mergeOperatorConfig } from '../simulators/toolkit/operator-config.ts';
import { SeededRandom } from '../simulators/toolkit/seeded-random.ts';
import { startWorkerProcess, type WorkerProcess } from '../server/test-support/worker-child.ts';
import { CHAOS_SIMULATORS, type ChaosSimulator } from './chaos-simulators.ts';

const TOKEN_SECRET = 'chaos-token-secret-that-is-long-enough-0123456789';

export type ChaosOptions = {
  /** PostgreSQL server to create the two throw-away databases on (chaos and undisturbed). */
  adminUrl: string;
  providers?: CrmProvider[];
  contactsPerProvider: number;
  /** SIGKILLs of the worker process, each while a cycle is running. */
  kills?: number;
  /** Share of CRM requests that fail (429/5xx, dropped connections and, when enabled, timeouts). */
  faultRate?: number;
  /**
   * Faults that cost real minutes, as in production: held-open requests (the worker gives up
   * after its 30 s HTTP timeout) and agentOS 429s (its Retry-After is 60 s, which the cycle
   * honours). On for the full run; off for the short test, which keeps 5xx, drops and the other
   * CRMs' 429s.
   */
  slowFaults?: boolean;
  /** Contacts per provider that get a reported nurture email (written back to every linked CRM). */
  emailsPerProvider?: number;
  pageSize?: number;
  /** Latency added to every CRM request, so a kill lands inside a cycle. */
  latencyMs?: number;
  workerConcurrency?: number;
  /**
   * Cycles per worker once every contact is imported (after the write-back kill). Defaults to
   * `workerConcurrency`; a run that must use one cycle at a time while contacts are created (see
   * chaos.test.ts) can go faster here, where no new person arrives.
   */
  writeBackConcurrency?: number;
  seed?: number;
  /** Overall limit for the run (convergence included). */
  deadlineMs?: number;
  log?: (line: string) => void;
};

export type KillRecord = {
  phase: 'import' | 'write-back';
  atMs: number;
  /** Cycles the killed worker was running, with how far they had got. */
  runningRuns: Array<{ runId: string; provider: string; fetched: number; pushed: number }>;
};

export type AgencySnapshot = {
  contacts: string[];
  /** Kept apart: a person several CRMs hold keeps the category of the CRM that imported them first. */
  nurtureCategories: string[];
  externalIds: { total: number; distinct: number; byProvider: Record<string, number> };
  activities: string[];
  outboundWrites: string[];
  /**
   * Kept apart: scores decay with time (two runs minutes apart differ in the hundredths), and which
   * CRMs a score write goes to depends on which links the contact had when it was rescored.
   */
  scores: Map<string, number>;
  metadataWrites: string[];
  duplicateEmails: number;
};

export type ChaosReport = {
  ok: boolean;
  problems: string[];
  providers: CrmProvider[];
  contactsPerProvider: number;
  faultRate: number;
  durationMs: number;
  kills: KillRecord[];
  /**
   * Differences that come from the order in which CRMs first brought a person (a merged contact
   * keeps the first CRM's nurture category), not from faults or kills: reported, not failed on.
   */
  orderDependent: string[];
  convergenceRounds: number;
  /** Outbound writes whose retry time was brought forward instead of waiting for it (minutes). */
  outboundRetriesFastForwarded: number;
  runs: {
    succeeded: number;
    failed: number;
    workerDied: number;
    failedWithoutError: number;
    /** Every error recorded on the agency's cycles, by code. */
    errorCodes: Record<string, number>;
  };
  faultAnswers: Record<string, Record<string, number>>;
  chaos: {
    contacts: number;
    externalIds: number;
    activities: number;
    outboundDone: number;
    writeBack: number;
  };
  reference: {
    contacts: number;
    externalIds: number;
    activities: number;
    outboundDone: number;
    writeBack: number;
  };
};

type Side = {
  label: string;
  databaseName: string;
  url: string;
  dataDirectory: string;
  services: Services;
  organisationId: string;
  simulators: Map<CrmProvider, ChaosSimulator>;
  connections: Map<CrmProvider, string>;
  /** The simulators' hosts and egress allowance, for this process and its workers. */
  operatorConfig: Record<string, string>;
};

type Worker = WorkerProcess;

/**
 * The chaos run: one agency synced from several CRMs while the CRMs fail a share of requests and
 * the worker process is SIGKILLed mid-cycle, with nurture emails written back; then the same work
 * undisturbed (another database, fault-free simulators of the same seed, cycles in-process) and a
 * comparison of everything both produced, in Propsync and in each CRM.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const providers = options.providers ?? ['reapit', 'agentos', 'loop', 'custom'];
  const kills = options.kills ?? 3;
  const faultRate = options.faultRate ?? 0.2;
  const emailsPerProvider = options.emailsPerProvider ?? 3;
  const pageSize = options.pageSize ?? 25;
  const seed = options.seed ?? 7;
  const deadline = started + (options.deadlineMs ?? 20 * 60_000);
  const log = options.log ?? (() => {});
  const random = new SeededRandom(seed);
  const problems: string[] = [];
  const sides: Side[] = [];
  let worker: Worker | null = null;
  const stopWorker = async () => {
    // Idle by now (or the run failed): no need to wait for a graceful pg-boss stop.
    await worker?.kill('SIGKILL');
    worker = null;
  };
  try {
    const reference = await openSide('undisturbed', options, providers, seed, pageSize);
    sides.push(reference);
    const chaos = await openSide('chaos', options, providers, seed, pageSize);
    sides.push(chaos);
    for (const provider of providers) {
      const a = chaos.simulators.get(provider)!.contactIds();
      const b = reference.simulators.get(provider)!.contactIds();
      if (JSON.stringify(a) !== JSON.stringify(b))
        problems.push(`${provider}: the two simulators of seed ${seed} hold different ids`);
    }
    const emailTargets = providers.flatMap((provider) =>
      chaos.simulators
        .get(provider)!
        .contactIds()
        .slice(0, emailsPerProvider)
        .map((externalId, index) => ({ provider, externalId, messageId: `chaos-${provider}-${index}` })),
    );

    // The undisturbed run: cycles in this process, one connection after another, no faults.
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    log(
      `${elapsed()} undisturbed run: ${providers.length} providers × ${options.contactsPerProvider} contacts`,
    );
    await settleInProcess(reference, deadline);
    await reportEmails(reference, emailTargets);
    await settleInProcess(reference, deadline);
    log(`${elapsed()} undisturbed run settled`);

    // The chaos run: the same work in worker processes that get killed, against faulty CRMs.
    for (const simulator of chaos.simulators.values()) {
      const timeoutShare = options.slowFaults ? 0.1 : 0;
      const slow429 = simulator.provider === 'agentos' && !options.slowFaults;
      simulator.faults.configure({
        latencyMs: options.latencyMs ?? 10,
        latencyJitterMs: options.latencyMs ?? 10,
        errorRate: faultRate * (0.8 - timeoutShare),
        errorStatuses: slow429 ? [500, 502, 503, 504] : [429, 500, 502, 503, 504],
        timeoutRate: faultRate * timeoutShare,
        dropRate: faultRate * 0.2,
      });
    }
    const killRecords: KillRecord[] = [];
    const orphanedRuns = new Set<string>();
    const workerEnv = {
      PROPSYNC_SYNC_CONCURRENCY: String(options.workerConcurrency ?? providers.length),
    };
    worker = spawnChaosWorker(chaos, workerEnv);
    // Kills the current worker part-way through a cycle of `phase`; a fresh one takes its place.
    const killDuring = (phase: KillRecord['phase']) =>
      killMidCycle(
        chaos,
        phase,
        random,
        deadline,
        () => worker!,
        started,
        orphanedRuns,
        () => {
          worker = spawnChaosWorker(chaos, workerEnv);
        },
      );
    const importKills = kills > 1 ? kills - 1 : kills;
    for (let index = 0; index < importKills; index++) {
      killRecords.push(await killDuring('import'));
      worker = spawnChaosWorker(chaos, workerEnv);
      await requestSyncs(chaos);
    }
    log(`${elapsed()} chaos run: ${importKills} kill(s) during the import; converging`);
    let rounds = await settleWithWorkers(chaos, deadline, log);
    await reportEmails(chaos, emailTargets);
    if (kills > importKills) {
      killRecords.push(await killDuring('write-back'));
      worker = spawnChaosWorker(chaos, {
        PROPSYNC_SYNC_CONCURRENCY: String(
          options.writeBackConcurrency ?? options.workerConcurrency ?? providers.length,
        ),
      });
    }
    log(`${elapsed()} chaos run: ${killRecords.length} kill(s) in all; converging after write-back`);
    rounds += await settleWithWorkers(chaos, deadline, log, { quiesce: true });
    await stopWorker();
    for (const simulator of chaos.simulators.values()) simulator.faults.clear();
    log(`${elapsed()} chaos run settled; comparing`);

    // Compare.
    const [chaosState, referenceState] = await Promise.all([snapshot(chaos), snapshot(reference)]);
    const [chaosWriteBack, referenceWriteBack] = [writeBackState(chaos), writeBackState(reference)];
    compare('contacts', chaosState.contacts, referenceState.contacts, problems);
    const orderDependent: string[] = [];
    compare(
      'nurture categories',
      chaosState.nurtureCategories,
      referenceState.nurtureCategories,
      orderDependent,
    );
    compare('activities', chaosState.activities, referenceState.activities, problems);
    compare('outbound writes', chaosState.outboundWrites, referenceState.outboundWrites, problems);
    compare(
      'score and hot-lead writes',
      chaosState.metadataWrites,
      referenceState.metadataWrites,
      orderDependent,
    );
    // The same signals make the same score, up to the decay between the two runs (minutes apart).
    for (const [key, score] of referenceState.scores) {
      const other = chaosState.scores.get(key);
      if (other === undefined || Math.abs(other - score) > 0.5)
        problems.push(`intent score of ${key}: chaos ${other}, undisturbed ${score}`);
    }
    compare('CRM write-back records', chaosWriteBack, referenceWriteBack, problems);
    if (JSON.stringify(chaosState.externalIds) !== JSON.stringify(referenceState.externalIds))
      problems.push(
        `external ids differ: chaos ${JSON.stringify(chaosState.externalIds)}, undisturbed ${JSON.stringify(referenceState.externalIds)}`,
      );
    const listable = providers.reduce(
      (sum, provider) => sum + chaos.simulators.get(provider)!.contactIds().length,
      0,
    );
    if (chaosState.externalIds.total !== listable || chaosState.externalIds.distinct !== listable)
      problems.push(`lost records: ${chaosState.externalIds.distinct} of ${listable} CRM records are linked`);
    if (chaosState.duplicateEmails > 0)
      problems.push(`${chaosState.duplicateEmails} email addresses belong to more than one contact`);
    const outboundDone = (state: AgencySnapshot) =>
      state.outboundWrites.filter((row) => row.includes('"status":"done"')).length;
    if (
      [...chaosState.outboundWrites, ...chaosState.metadataWrites].some(
        (row) => !row.includes('"status":"done"'),
      )
    )
      problems.push('outbound writes left undone after convergence');

    const runs = await runSummary(chaos, killRecords, problems);
    const faultAnswers: Record<string, Record<string, number>> = {};
    for (const [provider, simulator] of chaos.simulators) faultAnswers[provider] = simulator.statusCounts();
    const injected = Object.values(faultAnswers).reduce(
      (sum, counts) =>
        sum +
        Object.entries(counts).reduce((inner, [status, n]) => inner + (Number(status) >= 429 ? n : 0), 0),
      0,
    );
    if (faultRate > 0 && injected === 0) problems.push('no fault was injected: the run proves nothing');
    if (killRecords.length !== kills)
      problems.push(`${killRecords.length} of ${kills} kills landed mid-cycle`);

    return {
      ok: problems.length === 0,
      problems,
      providers,
      contactsPerProvider: options.contactsPerProvider,
      faultRate,
      durationMs: Date.now() - started,
      kills: killRecords,
      orderDependent,
      convergenceRounds: rounds,
      outboundRetriesFastForwarded: fastForwarded.get(chaos.url) ?? 0,
      runs,
      faultAnswers,
      chaos: {
        contacts: chaosState.contacts.length,
        externalIds: chaosState.externalIds.total,
        activities: chaosState.activities.length,
        outboundDone: outboundDone(chaosState),
        writeBack: chaosWriteBack.length,
      },
      reference: {
        contacts: referenceState.contacts.length,
        externalIds: referenceState.externalIds.total,
        activities: referenceState.activities.length,
        outboundDone: outboundDone(referenceState),
        writeBack: referenceWriteBack.length,
      },
    };
  } catch (error) {
    if (worker) log(`worker output:\n${(worker as Worker).output().slice(-4000)}`);
    throw error;
  } finally {
    await stopWorker();
    for (const side of sides) await closeSide(side, options.adminUrl);
  }
}

async function openSide(
  label: string,
  options: ChaosOptions,
  providers: CrmProvider[],
  seed: number,
  pageSize: number,
): Promise<Side> {
  const databaseName = `propsync_chaos_${label}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(options.adminUrl, databaseName);
  const simulators = new Map<CrmProvider, ChaosSimulator>();
  for (const provider of providers) {
    const startChaosSimulator = Object.hasOwn(CHAOS_SIMULATORS, provider)
      ? CHAOS_SIMULATORS[provider as keyof typeof CHAOS_SIMULATORS]
      : undefined;
    if (!startChaosSimulator) throw new Error(`chaos has no fault-injecting simulator for ${provider}`);
    simulators.set(
      provider,
      await startChaosSimulator({ seed, contactCount: options.contactsPerProvider, pageSize }),
    );
  }
  const operatorConfig = mergeOperatorConfig(
    ...[...simulators.values()].map((simulator) => simulator.operatorConfig),
  );
  const services = await createDrivenServices(url, {
    label: `chaos-${label}`,
    env: {
      PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
      // This process connects, reports emails and inspects; cycles run in workers (or are called directly).
      PROPSYNC_SYNC_CONCURRENCY: '0',
      ...operatorConfig,
    },
    logLevel: process.env.CHAOS_LOG_LEVEL,
    options: {
      httpTimeoutMs: 5_000,
      sync: { retryPolicy: { attempts: 5, baseDelayMs: 20, maxDelayMs: 200 } },
    },
  });
  const [organisation] = await services.orm.em
    .fork()
    .execute<{ id: string }[]>(`insert into organisations (name) values (?) returning id`, [
      label === 'chaos' ? 'Chaos Estates' : 'Undisturbed Estates',
    ]);
  const side: Side = {
    label,
    databaseName,
    url,
    dataDirectory: services.dataDirectory,
    services,
    organisationId: organisation!.id,
    simulators,
    connections: new Map(),
    operatorConfig,
  };
  for (const [provider, simulator] of simulators) {
    const summary = await services.connections.connect(side.organisationId, provider, simulator.connection);
    // The run writes back: its connections' mappings are confirmed as they are made (audited as `chaos`).
    await services.fieldMapping.confirm(side.organisationId, summary.id, 'chaos');
    side.connections.set(provider, summary.id);
  }
  return side;
}

async function closeSide(side: Side, adminUrl: string): Promise<void> {
  await side.services.close().catch(() => undefined);
  for (const simulator of side.simulators.values()) await simulator.close().catch(() => undefined);
  fs.rmSync(side.dataDirectory, { recursive: true, force: true });
  if (process.env.CHAOS_KEEP_DATABASES) return;
  await dropDatabase(adminUrl, side.databaseName);
}

const query = <T>(side: Side, sql: string, params: unknown[] = []) =>
  side.services.orm.em.fork().execute<T[]>(sql, params);

function spawnChaosWorker(side: Side, env: Record<string, string>): Worker {
  return startWorkerProcess({
    NODE_ENV: 'test',
    DATABASE_URL: side.url,
    PROPSYNC_DATA_DIR: side.dataDirectory,
    PROPSYNC_TOKEN_SECRET: TOKEN_SECRET,
    PROPSYNC_SCHEDULER: 'off',
    PROPSYNC_PUBLIC_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
    ...side.operatorConfig,
    ...env,
  });
}

async function requestSyncs(side: Side): Promise<void> {
  for (const connectionId of side.connections.values())
    await side.services.jobs.enqueue({ connectionId, trigger: 'manual' });
}

type RunningRow = { id: string; provider: string; records_fetched: number; records_pushed: number };

async function runningRuns(side: Side): Promise<RunningRow[]> {
  return query<RunningRow>(
    side,
    `select r.id, c.provider, r.records_fetched, r.records_pushed from sync_runs r join crm_connections c on c.id = r.connection_id
     where r.organisation_id = ? and r.status = 'running'`,
    [side.organisationId],
  );
}

/** Waits for a cycle to be part-way (something fetched or pushed), then SIGKILLs the worker. */
async function killMidCycle(
  side: Side,
  phase: KillRecord['phase'],
  random: SeededRandom,
  deadline: number,
  current: () => Worker,
  started: number,
  orphanedRuns: Set<string>,
  replace: () => void,
): Promise<KillRecord> {
  const waitUntil = Math.min(deadline, Date.now() + 120_000);
  let lastNudge = Date.now();
  for (;;) {
    // Cycles an earlier kill orphaned stay "running" until the next cycle closes them: not live.
    const running = (await runningRuns(side)).filter((run) => !orphanedRuns.has(run.id));
    const partWay = running.filter((run) => run.records_fetched > 0 || run.records_pushed > 0);
    // Late in the wait, any running cycle will do (a short delta cycle may never show progress).
    const candidates = partWay.length > 0 ? partWay : Date.now() > waitUntil - 90_000 ? running : [];
    if (candidates.length > 0) {
      // A little randomness in where inside the cycle the kill lands.
      await new Promise((resolve) => setTimeout(resolve, random.int(0, 40)));
      const worker = current();
      await worker.kill('SIGKILL');
      const orphaned = (await runningRuns(side)).filter((run) => !orphanedRuns.has(run.id));
      for (const run of orphaned) orphanedRuns.add(run.id);
      if (orphaned.length > 0) {
        return {
          phase,
          atMs: Date.now() - started,
          runningRuns: orphaned.map((run) => ({
            runId: run.id,
            provider: run.provider,
            fetched: run.records_fetched,
            pushed: run.records_pushed,
          })),
        };
      }
      // The cycle finished in the moment before the kill: not a mid-cycle kill. Start again.
      replace();
      await requestSyncs(side);
      continue;
    }
    if (Date.now() > waitUntil)
      throw new Error(`no cycle was running to kill (${phase})\n${current().output().slice(-2000)}`);
    if (Date.now() - lastNudge > 2_000) {
      await requestSyncs(side);
      lastNudge = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Nurture emails reported by the host for the same CRM records on both sides. */
async function reportEmails(
  side: Side,
  targets: Array<{ provider: CrmProvider; externalId: string; messageId: string }>,
): Promise<void> {
  for (const target of targets) {
    const [link] = await query<{ contact_id: string }>(
      side,
      `select contact_id from contact_external_ids where connection_id = ? and external_id = ?`,
      [side.connections.get(target.provider), target.externalId],
    );
    if (!link)
      throw new Error(`${side.label}: ${target.provider} record ${target.externalId} was not imported`);
    await side.services.engagement.reportEmail(side.organisationId, {
      contactId: link.contact_id,
      event: 'sent',
      messageId: target.messageId,
      subject: `Spring market update (${target.provider})`,
    });
  }
}

/** Runs cycles in this process until a round changes nothing and no write is left. */
async function settleInProcess(side: Side, deadline: number): Promise<void> {
  for (let round = 0; ; round++) {
    let changed = 0;
    for (const connectionId of side.connections.values()) {
      const result = await side.services.runSyncCycle(connectionId, 'manual');
      if (result.status !== 'succeeded')
        throw new Error(`${side.label}: undisturbed cycle ${result.status} ${JSON.stringify(result)}`);
      changed += result.created + result.updated + result.merged + (result.pushed ?? 0);
    }
    if (changed === 0 && (await unfinishedWrites(side)) === 0) return;
    if (Date.now() > deadline || round > 20) throw new Error(`${side.label}: never settled`);
  }
}

async function unfinishedWrites(side: Side): Promise<number> {
  const [row] = await query<{ count: number }>(
    side,
    `select count(*)::int as count from outbound_writes where organisation_id = ? and status <> 'done'`,
    [side.organisationId],
  );
  return row!.count;
}

const fastForwarded = new Map<string, number>();

/**
 * Asks every connection for a cycle, round after round, until a round in which every cycle
 * succeeded, nothing was written and no write-back is left. Failed writes wait minutes before
 * their retry; the run brings that time forward instead of waiting (counted in the report).
 */
async function settleWithWorkers(
  side: Side,
  deadline: number,
  log: (line: string) => void,
  options: { quiesce?: boolean } = {},
): Promise<number> {
  for (let round = 1; ; round++) {
    if (Date.now() > deadline) throw new Error(`${side.label}: did not converge before the deadline`);
    const moved = await query<{ id: string }>(
      side,
      `update outbound_writes set next_attempt_at = now() where organisation_id = ? and status = 'failed'
         and next_attempt_at > now() returning id`,
      [side.organisationId],
    );
    fastForwarded.set(side.url, (fastForwarded.get(side.url) ?? 0) + moved.length);
    const [clock] = await query<{ now: Date }>(side, `select now() as now`);
    const roundStart = new Date(clock!.now);
    await requestSyncs(side);
    const finished = await waitForRoundRuns(side, roundStart, deadline);
    const clean = finished.every((run) => run.status === 'succeeded' && run.records_written === 0);
    const pending = await unfinishedWrites(side);
    log(
      `  ${new Date().toISOString().slice(11, 19)} round ${round}: ${finished.map((run) => `${run.provider}=${run.status}/${run.records_written}w/${run.records_pushed}p`).join(' ')}, ${pending} write(s) pending`,
    );
    if (clean && pending === 0 && finished.every((run) => run.records_pushed === 0)) {
      if (!options.quiesce) return round;
      // Before the worker's final SIGKILL: work queued behind the round (the job of a killed
      // worker, retried once pg-boss misses its heartbeat; a webhook batch; a follow-up) may still
      // start a cycle, which the SIGKILL would leave running. Settled means nothing queued or
      // running, and no cycle started since the round.
      const runsBefore = await runCount(side);
      await side.services.whenIdle(Math.max(1_000, deadline - Date.now()));
      if ((await runCount(side)) === runsBefore) return round;
    }
  }
}

async function runCount(side: Side): Promise<number> {
  const [row] = await query<{ count: number }>(
    side,
    `select count(*)::int as count from sync_runs where organisation_id = ?`,
    [side.organisationId],
  );
  return row!.count;
}

type FinishedRow = {
  connection_id: string;
  provider: string;
  status: string;
  records_written: number;
  records_pushed: number;
};

/** For every connection, the first cycle that started at or after `since` and finished. */
async function waitForRoundRuns(side: Side, since: Date, deadline: number): Promise<FinishedRow[]> {
  let lastNudge = Date.now();
  for (;;) {
    const rows = await query<FinishedRow & { finished: boolean }>(
      side,
      `select distinct on (r.connection_id) r.connection_id, c.provider, r.status, r.records_written, r.records_pushed,
         r.status <> 'running' as finished
       from sync_runs r join crm_connections c on c.id = r.connection_id
       where r.organisation_id = ? and r.started_at >= ?
       order by r.connection_id, r.started_at`,
      [side.organisationId, since],
    );
    if (rows.length === side.connections.size && rows.every((row) => row.finished)) return rows;
    if (Date.now() > deadline) throw new Error(`${side.label}: a round of cycles did not finish`);
    // A "sync now" that met a running cycle is answered by it; ask again for those without a new run.
    if (Date.now() - lastNudge > 3_000) {
      const started = new Set(rows.map((row) => row.connection_id));
      for (const connectionId of side.connections.values())
        if (!started.has(connectionId)) await side.services.jobs.enqueue({ connectionId, trigger: 'manual' });
      lastNudge = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runSummary(
  side: Side,
  killRecords: KillRecord[],
  problems: string[],
): Promise<ChaosReport['runs']> {
  const runs = await query<{ id: string; status: string; errors_count: number; codes: string[] }>(
    side,
    `select r.id, r.status, r.errors_count, coalesce((select array_agg(e ->> 'code') from jsonb_array_elements(r.errors) e), '{}') as codes
     from sync_runs r where r.organisation_id = ?`,
    [side.organisationId],
  );
  const byId = new Map(runs.map((run) => [run.id, run]));
  for (const kill of killRecords) {
    for (const killed of kill.runningRuns) {
      const run = byId.get(killed.runId);
      if (!run || run.status !== 'failed' || !run.codes.includes('SYNC.WORKER_DIED'))
        problems.push(
          `killed cycle ${killed.runId} (${killed.provider}) is ${run?.status ?? 'missing'} with ${JSON.stringify(run?.codes ?? [])}, not failed with SYNC.WORKER_DIED`,
        );
    }
  }
  const failedWithoutError = runs.filter(
    (run) => run.status === 'failed' && (run.errors_count === 0 || run.codes.length === 0),
  ).length;
  if (failedWithoutError > 0) problems.push(`${failedWithoutError} failed cycles recorded no error`);
  if (runs.some((run) => run.status === 'running')) problems.push('a cycle is still marked running');
  return {
    succeeded: runs.filter((run) => run.status === 'succeeded').length,
    failed: runs.filter((run) => run.status === 'failed').length,
    workerDied: runs.filter((run) => run.codes.includes('SYNC.WORKER_DIED')).length,
    failedWithoutError,
    errorCodes: runs
      .flatMap((run) => run.codes)
      .reduce<Record<string, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {}),
  };
}

/** Everything the agency's data holds, without ids or times, so two databases compare. */
async function snapshot(side: Side): Promise<AgencySnapshot> {
  const contacts = await query<{
    key: string;
    row: Record<string, unknown>;
    nurture_category: string;
    intent_score: number;
  }>(
    side,
    `select (select string_agg(e.provider || ':' || e.external_id || ':' || e.active, ',' order by e.provider, e.external_id)
              from contact_external_ids e where e.contact_id = c.id) as key,
       jsonb_build_object('title', c.title, 'firstName', c.first_name, 'lastName', c.last_name,
         'emails', (select coalesce(jsonb_agg(x order by x), '[]') from unnest(c.emails) x),
         'phones', (select coalesce(jsonb_agg(x order by x), '[]') from unnest(c.phones) x),
         'postcode', c.postcode, 'uprn', c.uprn, 'udprn', c.udprn,
         'marketingConsent', c.marketing_consent, 'hotLead', c.hot_lead_at is not null) as row,
       c.nurture_category, c.intent_score::float8 as intent_score
     from contacts c where c.organisation_id = ?`,
    [side.organisationId],
  );
  const keyOf = new Map<string, string>();
  const idRows = await query<{ id: string; key: string }>(
    side,
    `select c.id, (select string_agg(e.provider || ':' || e.external_id, ',' order by e.provider, e.external_id)
        from contact_external_ids e where e.contact_id = c.id) as key from contacts c where c.organisation_id = ?`,
    [side.organisationId],
  );
  for (const row of idRows) keyOf.set(row.id, row.key);
  const withKeys = (text: string) =>
    text.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      (id) => keyOf.get(id) ?? '<id>',
    );
  const links = await query<{ provider: string; total: number; distinct_ids: number }>(
    side,
    `select provider, count(*)::int as total, count(distinct external_id)::int as distinct_ids
     from contact_external_ids where organisation_id = ? group by provider order by provider`,
    [side.organisationId],
  );
  const activities = await query<{ row: unknown; contact_id: string }>(
    side,
    `select contact_id, jsonb_build_object('type', type, 'source', source, 'externalId', external_id, 'details', details) as row
     from activities where organisation_id = ?`,
    [side.organisationId],
  );
  const writes = await query<{ row: unknown; contact_id: string | null; kind: string }>(
    side,
    `select w.contact_id, w.kind, jsonb_build_object('provider', c.provider, 'kind', w.kind, 'key', w.idempotency_key, 'status', w.status,
       'payload', w.payload - 'occurredAt') as row
     from outbound_writes w join crm_connections c on c.id = w.connection_id where w.organisation_id = ?`,
    [side.organisationId],
  );
  const [duplicates] = await query<{ count: number }>(
    side,
    `select count(*)::int as count from (select e from contacts c, unnest(c.emails) e where c.organisation_id = ?
       group by e having count(distinct c.id) > 1) d`,
    [side.organisationId],
  );
  return {
    contacts: contacts.map((row) => `${row.key} ${JSON.stringify(row.row)}`).sort(),
    nurtureCategories: contacts.map((row) => `${row.key} ${row.nurture_category}`).sort(),
    externalIds: {
      total: links.reduce((sum, row) => sum + row.total, 0),
      distinct: links.reduce((sum, row) => sum + row.distinct_ids, 0),
      byProvider: Object.fromEntries(links.map((row) => [row.provider, row.total])),
    },
    activities: activities
      .map((row) => `${keyOf.get(row.contact_id)} ${withKeys(normaliseTimes(JSON.stringify(row.row)))}`)
      .sort(),
    outboundWrites: writes
      .filter((row) => row.kind !== 'metadata')
      .map((row) => `${keyOf.get(row.contact_id ?? '')} ${withKeys(normaliseTimes(JSON.stringify(row.row)))}`)
      .sort(),
    scores: new Map(contacts.map((row) => [row.key, row.intent_score])),
    metadataWrites: writes
      .filter((row) => row.kind === 'metadata')
      .map((row) => `${keyOf.get(row.contact_id ?? '')} ${withKeys(normaliseTimes(JSON.stringify(row.row)))}`)
      .sort(),
    duplicateEmails: duplicates!.count,
  };
}

/** Every write-back record each CRM holds, per contact, without its ids and times. */
function writeBackState(side: Side): string[] {
  const lines: string[] = [];
  for (const [provider, simulator] of side.simulators) {
    for (const externalId of simulator.contactIds()) {
      for (const record of simulator.writeBackRecords(externalId))
        lines.push(`${provider}:${externalId} ${normaliseTimes(JSON.stringify(stripVolatile(record)))}`);
    }
  }
  return lines.sort();
}

const VOLATILE_KEY =
  /^(id|oid|_links|_embedded|_etag|etag|links|self)$|(At|_at|Date|DateTime|Time|Created|Modified|Updated|On)$|^(created|modified|updated)/i;

function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !VOLATILE_KEY.test(key))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, stripVolatile(inner)]),
    );
  return value;
}

function normaliseTimes(text: string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>');
}

function compare(what: string, actual: string[], expected: string[], problems: string[]): void {
  if (JSON.stringify(actual) === JSON.stringify(expected)) return;
  const expectedSet = new Set(expected);
  const actualSet = new Set(actual);
  const missing = expected.filter((line) => !actualSet.has(line));
  const extra = actual.filter((line) => !expectedSet.has(line));
  problems.push(
    `${what} differ (chaos ${actual.length}, undisturbed ${expected.length}): ` +
      `missing ${JSON.stringify(missing.slice(0, 3))}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}; ` +
      `extra ${JSON.stringify(extra.slice(0, 3))}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`,
  );
}
