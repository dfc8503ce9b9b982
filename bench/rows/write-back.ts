import { CRM_PROVIDERS, providerInfo } from '../../server/adapters/registry.ts';
import type { RateLimits } from '../../shared/provider-catalog.ts';
import type { CrmProvider } from '../../shared/providers.ts';
import { connectAgency, runInitialImport, withSimulatorBench } from '../bench-fixture.ts';
import { RequestRecorder, type BenchServices } from '../bench-services.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt, timed } from '../measure.ts';

/** Per-second limits are measured over at least this long. */
const MIN_MEASURE_SECONDS = 10;

type Entry = RequestRecorder['entries'][number];

/**
 * Row 4: write-back. For each provider with an adapter and a simulator, queue email_sent writes
 * and run a cycle against the simulator (child process) with its rate limits ON; report the
 * request rate achieved as a share of the documented limit and the 429s the simulator logged.
 */
export async function writeBackRow(context: BenchContext): Promise<BenchRowResult[]> {
  // BENCH_PROVIDERS=reapit,custom narrows the row (investigations).
  const wanted = process.env.BENCH_PROVIDERS?.split(',');
  const providers = CRM_PROVIDERS.filter((provider) => !wanted || wanted.includes(provider));
  const results: BenchRowResult[] = [];
  for (const provider of providers) {
    const limits = rateLimitsOf(provider);
    if (context.quick && limits.windowSeconds > 1) {
      context.log(`write-back ${provider}: per-minute limits, skipped under --quick`);
      continue;
    }
    context.log(`write-back ${provider}…`);
    results.push(await measureProvider(context, provider));
  }
  return results;
}

async function measureProvider(context: BenchContext, provider: CrmProvider): Promise<BenchRowResult> {
  const limits = rateLimitsOf(provider);
  const windowMs = limits.windowSeconds * 1000;
  const perMinute = limits.windowSeconds > 1;
  const recorder = new RequestRecorder();
  const setup = {
    label: `write_${provider}`,
    simulator: { provider, contacts: 400, rateLimits: true },
    services: { fetchImplementation: recorder.fetch },
  };
  return withSimulatorBench(context, setup, async (bench) => {
    const { services, simulator } = bench;
    const { organisationId, connectionId } = await connectAgency(bench, `Bench Write-back ${provider}`);
    const cycle = async () => {
      const result = await services.runSyncCycle(connectionId, 'manual');
      if (result.status !== 'succeeded')
        throw new Error(`${provider} cycle ${result.status}: ${JSON.stringify(result)}`);
      return result;
    };
    await runInitialImport(services, connectionId, `${provider} import`);
    // Calibration: the requests of a cycle with nothing to push (its paths are the pull's), then
    // of a cycle pushing two writes: what it sends to other paths is what two writes cost.
    let mark = recorder.entries.length;
    await cycle();
    const pullEntries = recorder.entries.slice(mark);
    const pullRequests = pullEntries.length;
    const pullPaths = new Set(pullEntries.map((entry) => `${entry.method} ${entry.path}`));
    await queueEmails(services, organisationId, connectionId, provider, 2, 'calibration');
    mark = recorder.entries.length;
    await cycle();
    const pushEntries = recorder.entries
      .slice(mark)
      // Refused attempts (a 429 then its retry) are not what a write costs.
      .filter((entry) => !pullPaths.has(`${entry.method} ${entry.path}`) && (entry.status ?? 500) < 400);
    const perWrite = Math.max(1, pushEntries.length / 2);

    const budget = writeBudget(provider);
    let writes: number;
    let note: string;
    if (!perMinute) {
      // A clean window, then enough writes for ≥ 10 s at the documented limit.
      await sleep(windowMs + 50);
      writes = Math.ceil((MIN_MEASURE_SECONDS * 1.2 * limits.requests) / perWrite);
      note = `${fmt(writes)} writes, ${fmt(perWrite, 1)} requests each; rate = limit ÷ mean time from request i to request i + limit`;
    } else if (context.scale) {
      await sleep(windowMs + 500);
      writes = Math.ceil((2.2 * budget.limit) / budget.perWriteInBudget(perWrite));
      note = `--scale: ${fmt(writes)} writes over > 2 windows; rate = limit ÷ mean time from request i to request i + limit`;
    } else {
      // One window is what a short run can show: fill what is left of it, plus a few writes over.
      const now = performance.now();
      const inWindow = recorder.entries.filter(
        (entry) => entry.startedAt > now - windowMs && budget.counts(entry),
      ).length;
      const left = Math.max(0, budget.limit - inWindow - (budget.countsPulls ? pullRequests : 0));
      writes = Math.floor(left / budget.perWriteInBudget(perWrite)) + budget.over;
      note =
        `one 60 s window only (a per-minute limit cannot be sustained-measured in a short run; --scale runs > 2 windows): ` +
        `${fmt(writes)} writes${budget.over ? `, ${budget.over} more than the ${budget.label} budget left` : ''}; rate = busiest rolling 60 s window`;
    }
    await queueEmails(services, organisationId, connectionId, provider, writes, 'measured');
    await simulator.clearRequests();
    mark = recorder.entries.length;
    const measured = await timed(cycle);
    const entries = recorder.entries.slice(mark);
    const stats = await simulator.requestStats();
    const [outcome] = await services.orm.em.fork().execute<{ done: number; not_done: number }[]>(
      `select count(*) filter (where status = 'done')::int as done, count(*) filter (where status <> 'done')::int as not_done
         from outbound_writes where connection_id = ? and idempotency_key like 'bench-measured:%'`,
      [connectionId],
    );
    const budgetEntries = entries.filter(budget.counts);
    const sustained = sustainedShare(budgetEntries, windowMs, budget.limit);
    const busiest = busiestWindow(recorder.entries.filter(budget.counts), windowMs);
    const share = sustained ?? busiest / budget.limit;
    const rejected = stats.byStatus['429'] ?? 0;
    const spanS = (entries.at(-1)!.startedAt - entries[0]!.startedAt) / 1000;
    return {
      row: `4. Write-back ${provider}: request rate vs ${budget.label} limit`,
      measured:
        sustained !== null
          ? `${fmt((share * budget.limit * 1000) / windowMs, 2)} req/s sustained`
          : `${fmt(busiest)} req in busiest ${limits.windowSeconds} s`,
      baseline: `${fmt(budget.limit)}/${limits.windowSeconds === 1 ? 's' : 'min'} documented${budget.label === 'write' ? ' (writes)' : ''}`,
      ratio: share,
      ratioLabel: `${fmt(share * 100, 1)}%, ${rejected} × 429`,
      target: '≥ 90%, zero 429s',
      met: share >= 0.9 && rejected === 0,
      notes:
        `${note}; ${fmt(entries.length)} requests in ${fmt(measured.ms / 1000, 1)} s (span ${fmt(spanS, 1)} s); ` +
        `simulator statuses ${JSON.stringify(stats.byStatus)}; writes done ${outcome!.done}, not done ${outcome!.not_done}`,
      details: {
        provider,
        limits,
        writes,
        requestsPerWrite: perWrite,
        pullRequestsPerCycle: pullRequests,
        cycleMs: Math.round(measured.ms),
        requests: entries.length,
        budgetRequests: budgetEntries.length,
        sustainedShare: sustained,
        busiestWindow: busiest,
        simulatorStatuses: stats.byStatus,
        writesDone: outcome!.done,
        writesNotDone: outcome!.not_done,
        concurrencyPeak: peakConcurrency(entries),
        ...(process.env.BENCH_DUMP_REQUESTS
          ? { requestStartsMs: entries.map((entry) => Math.round(entry.startedAt - entries[0]!.startedAt)) }
          : {}),
        rejections: recorder.rejections.slice(0, 5).map((rejection) => ({
          body: rejection.body,
          requestsStartedInPrecedingWindow: recorder.entries.filter(
            (entry) =>
              entry.startedAt > rejection.startedAt - windowMs && entry.startedAt < rejection.startedAt,
          ).length,
        })),
      },
    };
  });
}

/**
 * The budget that binds email write-back. Street documents a separate write budget (100/min
 * against 600 requests/min): its writes are what the limit applies to.
 */
function writeBudget(provider: CrmProvider) {
  const limits = rateLimitsOf(provider);
  if (limits.writeRequests !== undefined) {
    const writeLimit = limits.writeRequests;
    return {
      label: 'write',
      limit: writeLimit,
      counts: (entry: Entry) => entry.method !== 'GET',
      countsPulls: false,
      perWriteInBudget: () => 1,
      over: Math.ceil(writeLimit * 0.1),
    };
  }
  return {
    label: 'request',
    limit: limits.requests,
    counts: (_entry: Entry) => true,
    countsPulls: true,
    perWriteInBudget: (perWrite: number) => perWrite,
    over: 0,
  };
}

/**
 * Sustained rate as a share of the limit L per window W: on average, how long after request i
 * request i + L started (a rolling-window pacer reuses request i's slot for i + L). That mean is
 * (mean start of the last L − mean start of the first L) ÷ (N − L) × L, so bursts at window
 * starts and a lone request at the end do not skew it. Null with fewer than 2L requests.
 */
export function sustainedShare(entries: Entry[], windowMs: number, limit: number): number | null {
  if (entries.length < 2 * limit) return null;
  const starts = entries.map((entry) => entry.startedAt).sort((a, b) => a - b);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const slotReuseMs =
    ((mean(starts.slice(-limit)) - mean(starts.slice(0, limit))) / (starts.length - limit)) * limit;
  return windowMs / slotReuseMs;
}

export function busiestWindow(entries: Entry[], windowMs: number): number {
  const starts = entries.map((entry) => entry.startedAt).sort((a, b) => a - b);
  let best = 0;
  let tail = 0;
  for (let head = 0; head < starts.length; head++) {
    while (starts[head]! - starts[tail]! >= windowMs) tail++;
    best = Math.max(best, head - tail + 1);
  }
  return best;
}

export function peakConcurrency(entries: Entry[]): number {
  const events = entries.flatMap((entry) => [
    [entry.startedAt, 1],
    [entry.endedAt, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (current += delta!));
  return peak;
}

export async function queueEmails(
  services: BenchServices,
  organisationId: string,
  connectionId: string,
  provider: CrmProvider,
  count: number,
  label: string,
): Promise<void> {
  if (count <= 0) return;
  await services.orm.em.fork().execute(
    `with links as (
       select contact_id, external_id, row_number() over (order by external_id) - 1 as i, count(*) over () as n
       from contact_external_ids where connection_id = ? and active)
     insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
     select ?, ?, l.contact_id, ?, 'bench-' || ? || ':' || g,
       jsonb_build_object('kind', 'email_sent', 'idempotencyKey', 'bench-' || ? || ':' || g, 'contactExternalId', l.external_id,
         'occurredAt', now(), 'summary', 'Nurture email sent: "Bench ' || g || '"', 'details', '{}'::jsonb)
     from generate_series(0, ? - 1) as g join links l on l.i = g % l.n`,
    [
      connectionId,
      organisationId,
      connectionId,
      provider === 'reapit' ? 'journal_entry' : 'note',
      label,
      label,
      count,
    ],
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rateLimitsOf(provider: CrmProvider): RateLimits {
  const info = providerInfo(provider);
  if (!info) throw new Error(`${provider} is not in server/adapters/registry.ts`);
  return info.rateLimits;
}
