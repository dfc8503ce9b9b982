import type { Server } from 'node:http';
import express from 'express';
import { loadConfig } from '../../server/infrastructure/config.ts';
import { createApp } from '../../server/entry/http/app.ts';
import { createLogger } from '../../server/infrastructure/logger.ts';
import { createServices, type Services } from '../../server/entry/services.ts';
import { REAPIT_DEMO_CLIENT } from '../../simulators/reapit/reapit-constants.ts';
import { reapitOperatorConfig } from '../../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../../simulators/reapit/reapit-simulator.ts';
import { startWorkerProcess } from '../../server/test-support/worker-child.ts';
import { createBenchDatabase } from '../bench-database.ts';
import { createOrganisation } from '../bench-services.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';

type Delivery = { headers: Record<string, string>; rawBody: string; contactId: string };

/** Deliveries in flight at once, each level measured against the bare endpoint at the same level. */
const IN_FLIGHT = [16, 64] as const;

/**
 * Webhook intake: signed Reapit `contacts.modified` deliveries POSTed to Propsync's receiver
 * (verify, store durably, queue) against a bare Express endpoint that only verifies the signature,
 * in the same run, at 16 and at 64 in flight; plus the time from delivery to the contact being
 * updated in the database.
 *
 * Deployed as documented: the receiving process is HTTP-only (`PROPSYNC_SYNC_CONCURRENCY=0`) and
 * a worker process applies the deliveries. The worker is paused (SIGSTOP) during each burst: on
 * this 2-core machine it would otherwise take the receiver's cores, which workers on their own
 * machines do not. Deliveries stored during the burst are applied once it resumes.
 */
export async function webhookIntakeRow(context: BenchContext): Promise<BenchRowResult[]> {
  const deliveriesPerRun = context.quick ? 600 : 3_000;
  const database = await createBenchDatabase(context.adminUrl, 'webhooks');
  const simulator = createReapitSimulator({
    seed: 9,
    contactCount: deliveriesPerRun + 200,
    rateLimits: false,
  });
  const simulatorServer = await simulator.listen(0);
  const app = express();
  const propsyncServer: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const propsyncUrl = urlOf(propsyncServer);
  const config = loadConfig({
    NODE_ENV: 'test',
    PROPSYNC_DATA_DIR: `.data/bench-webhooks-${process.pid}`,
    PROPSYNC_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
    PROPSYNC_SCHEDULER: 'off',
    PROPSYNC_SYNC_CONCURRENCY: '0',
    PROPSYNC_PUBLIC_URL: propsyncUrl,
    ...reapitOperatorConfig(simulatorServer),
  } as NodeJS.ProcessEnv);
  const services = await createServices(config, createLogger({ level: 'silent' }), database.url);
  app.use(createApp({ services }));
  // Started after the receiver's services: it reads the encryption key they created.
  const worker = startWorkerProcess({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    PROPSYNC_DATA_DIR: config.dataDirectory,
    PROPSYNC_TOKEN_SECRET: 'bench-token-secret-that-is-long-enough-0123456789',
    PROPSYNC_SCHEDULER: 'off',
    PROPSYNC_SYNC_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
    ...reapitOperatorConfig(simulatorServer),
  });
  let bareServer: Server | null = null;
  try {
    const organisationId = await createOrganisation(services, 'Webhook Bench Lettings');
    const connectionId = (
      await services.connections.connect(organisationId, 'reapit', {
        credentials: {
          clientId: REAPIT_DEMO_CLIENT.clientId,
          clientSecret: REAPIT_DEMO_CLIENT.clientSecret,
        },
        settings: { customerId: REAPIT_DEMO_CLIENT.customerId },
      })
    ).id;
    await services.whenIdle(300_000);
    // The simulator would also deliver on its own; the bench sends every delivery itself.
    const [registration] = await services.orm.em
      .fork()
      .execute<{ webhook_registration: { ids: string[]; url: string } }[]>(
        `select webhook_registration from crm_connections where id = ?`,
        [connectionId],
      );
    const adapter = await services.connections.adapterFor(connectionId);
    await adapter.unregisterWebhooks({ ...registration!.webhook_registration, secret: null });

    // The verify-only baseline: the same adapter verification, nothing stored.
    const bare = express();
    bare.post('/hook', express.raw({ type: () => true, limit: '256kb' }), async (request, response) => {
      try {
        await adapter.ingestWebhook({
          headers: request.headers as Record<string, string>,
          rawBody: request.body as Buffer,
          receivedAt: new Date(),
        });
        response.status(200).json({ received: true });
      } catch {
        response.status(401).end();
      }
    });
    const bareListening: Server = await new Promise((resolve) => {
      const listening = bare.listen(0, '127.0.0.1', () => resolve(listening));
    });
    bareServer = bareListening;

    const ids = simulator.contactIds();
    const prepare = (from: number, count: number, tag: string): Delivery[] =>
      ids.slice(from, from + count).map((contactId, index) => {
        simulator.controls.modifyContacts({
          ids: [contactId],
          fields: { email: `${tag}.${index}@bench.example.co.uk` },
        });
        const signed = simulator.signedContactWebhook({ contactId });
        return { headers: signed.headers, rawBody: signed.rawBody, contactId };
      });
    const bursts: Array<{
      inFlight: number;
      bare: Awaited<ReturnType<typeof send>>;
      propsync: Awaited<ReturnType<typeof send>>;
    }> = [];
    for (const inFlight of IN_FLIGHT) {
      context.log(`webhook intake, ${inFlight} in flight: signing ${deliveriesPerRun * 2} deliveries…`);
      const forBare = prepare(0, deliveriesPerRun, `bare-${inFlight}`);
      const forPropsync = prepare(0, deliveriesPerRun, `propsync-${inFlight}`);
      const bareRun = await send(`${urlOf(bareListening)}/hook`, forBare, inFlight);
      worker.child.kill('SIGSTOP');
      const propsyncRun = await send(
        `${propsyncUrl}/webhooks/reapit/${connectionId}`,
        forPropsync,
        inFlight,
      ).finally(() => worker.child.kill('SIGCONT'));
      bursts.push({ inFlight, bare: bareRun, propsync: propsyncRun });
      await services.whenIdle(300_000);
    }
    const [stored] = await services.orm.em
      .fork()
      .execute<{ stored: number }[]>(
        `select count(*)::int as stored from webhook_deliveries where connection_id = ?`,
        [connectionId],
      );
    if (stored!.stored !== deliveriesPerRun * IN_FLIGHT.length) {
      throw new Error(
        `expected ${deliveriesPerRun * IN_FLIGHT.length} stored deliveries, found ${stored!.stored}`,
      );
    }
    await services.whenIdle(300_000);

    // The bursts' deliveries applied first: the latency is a delivery's own, not the backlog's.
    await waitForApplied(services, connectionId);

    // Delivery → contact visibly updated, at a steady pace (not a burst), through the real job
    // queue and the worker process. Each record is changed in the CRM just before its delivery;
    // a poller notes when each change becomes visible (a transaction's own timestamp would be
    // its start, which can precede a delivery it picks up later).
    const latencyIds = ids.slice(deliveriesPerRun, deliveriesPerRun + 200);
    const latencyEmail = (index: number) => `latency-${index}.0@bench.example.co.uk`;
    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    let sending = true;
    const poller = (async () => {
      while (sending || seenAt.size < latencyIds.length) {
        const visible = await services.orm.em.fork().execute<{ external_id: string; email: string }[]>(
          `select e.external_id, c.emails[1] as email from contact_external_ids e join contacts c on c.id = e.contact_id
           where e.connection_id = ? and e.external_id = any(array[?]::text[]) and c.emails[1] like 'latency-%'`,
          [connectionId, latencyIds],
        );
        const now = Date.now();
        // Each record's own change: records the CRM holds twice share one contact (planted duplicates).
        for (const row of visible) {
          if (!seenAt.has(row.external_id) && row.email === latencyEmail(latencyIds.indexOf(row.external_id)))
            seenAt.set(row.external_id, now);
        }
        if (!sending && now - Math.max(...sentAt.values()) > 60_000) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for (const [index, contactId] of latencyIds.entries()) {
      const [delivery] = prepare(deliveriesPerRun + index, 1, `latency-${index}`);
      sentAt.set(contactId, Date.now());
      const response = await post(`${propsyncUrl}/webhooks/reapit/${connectionId}`, delivery!);
      if (response !== 200) throw new Error(`latency delivery refused with HTTP ${response}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sending = false;
    await poller;
    const latencies = [...seenAt].map(([id, at]) => at - sentAt.get(id)!).sort((a, b) => a - b);
    // Where the time goes: from stored to applied (the job's pickup and the apply itself).
    const [storedToApplied] = await services.orm.em.fork().execute<{ p50: number; p95: number }[]>(
      `select percentile_cont(0.5) within group (order by ms)::float as p50,
              percentile_cont(0.95) within group (order by ms)::float as p95
       from (select extract(epoch from processed_at - received_at) * 1000 as ms from webhook_deliveries
             where connection_id = ? and processed_at is not null
             order by received_at desc limit 200) recent`,
      [connectionId],
    );
    if (latencies.length !== latencyIds.length) {
      throw new Error(`only ${latencies.length} of ${latencyIds.length} latency deliveries were applied`);
    }
    const results: BenchRowResult[] = [
      ...bursts.map(({ inFlight, bare, propsync }): BenchRowResult => {
        const ratio = propsync.perSecond / bare.perSecond;
        const p99Ratio = propsync.p99 / bare.p99;
        return {
          row: `Webhook intake (verify + durable store + queue), ${inFlight} in flight`,
          measured: `${fmt(propsync.perSecond)} deliveries/s, p99 ${fmt(propsync.p99, 1)} ms`,
          baseline: `verify-only endpoint ${fmt(bare.perSecond)} deliveries/s, p99 ${fmt(bare.p99, 1)} ms`,
          ratio,
          ratioLabel: `${fmt(ratio * 100)}% of the bare rate, p99 ${fmt(p99Ratio, 2)}×`,
          target: '≥ 60% of the bare rate, p99 ≤ 1.5× the bare p99',
          met: ratio >= 0.6 && p99Ratio <= 1.5 && propsync.refused === 0,
          notes:
            `${deliveriesPerRun} signed Reapit deliveries, ${inFlight} in flight; ${propsync.refused} refused; ` +
            `HTTP-only receiver, its worker paused during the burst; every delivery stored before its 200`,
          details: { propsync, bare },
        };
      }),
      {
        row: 'Webhook delivery → contact updated',
        measured: `p50 ${fmt(percentile(latencies, 0.5))} ms, p95 ${fmt(percentile(latencies, 0.95))} ms`,
        baseline: '—',
        ratio: null,
        ratioLabel: '—',
        target: 'within a second',
        met: percentile(latencies, 0.95) < 1_000,
        notes: `${latencies.length} deliveries at 50/s through the job queue`,
        details: { latenciesMs: { min: latencies[0], max: latencies.at(-1) }, storedToApplied },
      },
    ];
    return results;
  } finally {
    worker.child.kill('SIGCONT');
    await worker.kill();
    bareServer?.close();
    propsyncServer.close();
    await services.close();
    await simulator.close();
    await database.drop();
  }
}

async function send(url: string, deliveries: Delivery[], inFlight: number) {
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++]!;
        const sent = performance.now();
        const status = await post(url, delivery);
        latencies.push(performance.now() - sent);
        if (status !== 200) refused++;
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: deliveries.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    refused,
  };
}

async function post(url: string, delivery: Delivery): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...delivery.headers, 'content-type': 'application/json' },
    body: delivery.rawBody,
  });
  await response.arrayBuffer();
  return response.status;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

function urlOf(server: Server): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function waitForApplied(services: Services, connectionId: string): Promise<void> {
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    const [row] = await services.orm.em
      .fork()
      .execute<{ pending: number }[]>(
        `select count(*)::int as pending from webhook_deliveries where connection_id = ? and status = 'pending'`,
        [connectionId],
      );
    if (row!.pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the burst deliveries were not applied within 5 minutes');
}
