import { connectAgency, openSimulatorBench, runInitialImport } from '../bench-fixture.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt, median, timed } from '../measure.ts';
import { QueryProfile } from '../query-profile.ts';

const SIMULATED = 10_000;
const CHANGED = 1_000;
const REPEATS = 5;

/**
 * Row 3: a delta cycle that brings 1,000 changed contacts, with 10,000 contacts stored and with
 * 1,000,000 stored. The 10,000 the simulator holds are imported by the real cycle; the rest of a
 * large store is generated in SQL (generate_series) for the same agency and connection. The delta
 * runs through the real simulator (child process) and the real cycle.
 */
export async function deltaCycleRow(context: BenchContext): Promise<BenchRowResult[]> {
  const large = context.quick ? 100_000 : 1_000_000;
  const small = await prepareStore(context, SIMULATED);
  let prepared: Store | null = null;
  try {
    prepared = await prepareStore(context, large);
    // Alternate the two stores, so load from other work on the machine hits both alike.
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      await small.measure();
      await prepared.measure();
    }
  } finally {
    await prepared?.close();
    await small.close();
  }
  const big = prepared;
  const smallMs = median(small.runs.map((run) => run.ms));
  const bigMs = median(big.runs.map((run) => run.ms));
  const ratio = bigMs / smallMs;
  return [
    {
      row: `3. Delta cycle, ${fmt(CHANGED)} changed: ${fmt(large / 1000)}k vs 10k stored`,
      measured: `${fmt(bigMs)} ms at ${fmt(large / 1000)}k stored`,
      baseline: `${fmt(smallMs)} ms at 10k stored`,
      ratio,
      ratioLabel: `${fmt(ratio, 2)}×`,
      target: '≤ 1.5×',
      met: ratio <= 1.5,
      notes:
        `median of ${REPEATS} cycles each, the two stores alternating (each with its own simulator child); window ` +
        `overlap 0 so each cycle reads exactly the ${fmt(CHANGED)} changed records; ${fmt(SIMULATED)} imported ` +
        `for real, the other ${fmt(large - SIMULATED)} generated with generate_series into contacts + ` +
        `contact_external_ids (${fmt(big.fillMs / 1000, 1)} s); VACUUM ANALYZE before measuring, both sizes`,
      details: {
        small: { stored: small.stored, medianMs: smallMs, runs: small.runs, ...small.spans() },
        big: { stored: big.stored, medianMs: bigMs, runs: big.runs, fillMs: big.fillMs, ...big.spans() },
      },
    },
  ];
}

type Store = Awaited<ReturnType<typeof prepareStore>>;

/** A store of `stored` contacts for one connection to its own Reapit simulator, ready for delta cycles. */
async function prepareStore(context: BenchContext, stored: number) {
  const bench = await openSimulatorBench(context, {
    label: 'delta',
    simulator: { provider: 'reapit', contacts: SIMULATED, rateLimits: false },
    // Overlap 0: each measured cycle reads only what changed since the previous one.
    services: { sync: { overlapMs: 0 } },
  });
  const { services, simulator, close } = bench;
  try {
    const { organisationId, connectionId } = await connectAgency(bench, 'Bench Delta Estates', {
      settings: { pageSize: '100' },
      withoutWebhooks: true,
    });
    const initial = await runInitialImport(services, connectionId);
    const fill = await timed(() =>
      fillContacts(services.orm.em.fork(), organisationId, connectionId, stored - SIMULATED),
    );
    const [count] = await services.orm.em
      .fork()
      .execute<{ n: number }[]>(
        `select count(*)::int as n from contact_external_ids where connection_id = ?`,
        [connectionId],
      );
    context.log(`store of ${fmt(count!.n)} ready (import ${fmt(initial.ms)} ms, fill ${fmt(fill.ms)} ms)`);
    const runs: Array<{ ms: number; updated: number; unchanged: number }> = [];
    const profile = context.profileSql ? new QueryProfile() : null;
    return {
      stored: count!.n,
      fillMs: Math.round(fill.ms),
      runs,
      close,
      spans: () => (profile ? { sqlSpans: profile.top(8) } : {}),
      async measure() {
        // Let the clock move past the cursor, so the changes fall inside the next window.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await simulator.modifyContacts(CHANGED);
        profile?.install();
        const cycle = await timed(() => services.runSyncCycle(connectionId, 'manual'));
        profile?.uninstall();
        if (cycle.result.status !== 'succeeded') throw new Error(`delta ${cycle.result.status}`);
        runs.push({
          ms: Math.round(cycle.ms),
          updated: cycle.result.updated,
          unchanged: cycle.result.unchanged,
        });
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Bulk rows for the same agency and connection, shaped like imported ones (emails, phones, name keys). */
async function fillContacts(
  em: { execute: (sql: string, params?: unknown[]) => Promise<unknown> },
  organisationId: string,
  connectionId: string,
  count: number,
): Promise<void> {
  const CHUNK = 250_000;
  for (let start = 1; start <= count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK - 1);
    await em.execute(
      `insert into contacts (id, organisation_id, first_name, last_name, emails, phones, address, postcode, nurture_category,
         marketing_consent, profile, name_key, created_at, updated_at)
       select md5('bench-fill-' || n)::uuid, ?, 'Filler' || (n % 5000), 'Person' || (n / 5000),
         array['filler.' || n || '@bench.example'], array['+447700' || lpad((n % 1000000)::text, 6, '0')],
         jsonb_build_object('line1', n || ' Bench Street', 'postcode', 'ZZ' || (n % 97) || ' ' || (n % 9) || 'AA'),
         'ZZ' || (n % 97) || ' ' || (n % 9) || 'AA', 'Buyer', 'granted', '{}'::jsonb,
         'filler' || (n % 5000) || ' person' || (n / 5000), now() - interval '90 days', now() - interval '90 days'
       from generate_series(?::int, ?::int) as n`,
      [organisationId, start, end],
    );
    await em.execute(
      `insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id, active,
         crm_modified_at, etag, content_hash, snapshot, created_at, updated_at)
       select md5('bench-fill-' || n)::uuid, ?, ?, 'reapit', 'FILL' || lpad(n::text, 8, '0'), true,
         now() - interval '90 days', null, md5('hash-' || n), '{}'::jsonb, now() - interval '90 days', now() - interval '90 days'
       from generate_series(?::int, ?::int) as n`,
      [organisationId, connectionId, start, end],
    );
  }
  // Both sizes start from the steady state autovacuum would reach: statistics, GIN pending lists merged.
  await em.execute(`vacuum analyze contacts`);
  await em.execute(`vacuum analyze contact_external_ids`);
}
