import type { Server } from 'node:http';
import express from 'express';
import { loadConfig } from '../../server/infrastructure/config.ts';
import { createApp } from '../../server/entry/http/app.ts';
import { createLogger } from '../../server/infrastructure/logger.ts';
import { createServices } from '../../server/entry/services.ts';
import { REAPIT_DEMO_CLIENT } from '../../simulators/reapit/reapit-constants.ts';
import { reapitOperatorConfig } from '../../simulators/reapit/reapit.harness.ts';
import { createReapitSimulator } from '../../simulators/reapit/reapit-simulator.ts';
import { createBenchDatabase } from '../bench-database.ts';
import { createOrganisation } from '../bench-services.ts';
import type { BenchRow, BenchRowResult } from '../bench-row.ts';
import { fmt } from '../measure.ts';

type Delivery = { headers: Record<string, string>; rawBody: string; contactId: string };

const CONCURRENCY = 16;

/**
 * Webhook intake: signed Reapit `contacts.modified` deliveries POSTed to Propsync's receiver
 * (verify, store durably, queue) against a bare Express endpoint that only verifies the signature,
 * in the same run; plus the time from delivery to the contact being updated in the database.
 */
export const webhookIntakeRow: BenchRow = {
  id: 'webhook-intake',
  title: 'Webhook intake vs a verify-only endpoint',
  async run(context) {
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
      PROPSYNC_SYNC_CONCURRENCY: '2',
      PROPSYNC_PUBLIC_URL: propsyncUrl,
      ...reapitOperatorConfig(simulatorServer),
    } as NodeJS.ProcessEnv);
    const services = await createServices(config, createLogger({ level: 'silent' }), database.url);
    app.use(createApp({ services }));
    let bareServer: Server | null = null;
    try {
      await services.startBackgroundWork();
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
      context.log(`webhook intake: signing ${deliveriesPerRun * 2} deliveries…`);
      const forBare = prepare(0, deliveriesPerRun, 'bare');
      const forPropsync = prepare(0, deliveriesPerRun, 'propsync');

      const bareRun = await send(`${urlOf(bareListening)}/hook`, forBare);
      const propsyncRun = await send(`${propsyncUrl}/webhooks/reapit/${connectionId}`, forPropsync);
      await services.whenIdle(300_000);

      // Delivery → contact updated, at a steady pace (not a burst), through the real job queue.
      const latencyDeliveries = prepare(deliveriesPerRun, 200, 'latency');
      const sentAt = new Map<string, number>();
      for (const delivery of latencyDeliveries) {
        sentAt.set(delivery.contactId, Date.now());
        const response = await post(`${propsyncUrl}/webhooks/reapit/${connectionId}`, delivery);
        if (response !== 200) throw new Error(`latency delivery refused with HTTP ${response}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await services.whenIdle(300_000);
      const applied = await services.orm.em.fork().execute<{ external_id: string; updated_ms: string }[]>(
        `select e.external_id, (extract(epoch from c.updated_at) * 1000)::bigint::text as updated_ms
         from contact_external_ids e join contacts c on c.id = e.contact_id
         where e.connection_id = ? and e.external_id = any(array[?]::text[]) and c.emails[1] like 'latency.%'`,
        [connectionId, latencyDeliveries.map((delivery) => delivery.contactId)],
      );
      const latencies = applied
        .map((row) => Number(row.updated_ms) - sentAt.get(row.external_id)!)
        .sort((a, b) => a - b);
      if (latencies.length !== latencyDeliveries.length) {
        throw new Error(
          `only ${latencies.length} of ${latencyDeliveries.length} latency deliveries were applied`,
        );
      }
      const ratio = propsyncRun.perSecond / bareRun.perSecond;
      const results: BenchRowResult[] = [
        {
          row: 'Webhook intake (verify + durable store + queue)',
          measured: `${fmt(propsyncRun.perSecond)} deliveries/s, p99 ${fmt(propsyncRun.p99, 1)} ms`,
          baseline: `verify-only endpoint ${fmt(bareRun.perSecond)} deliveries/s, p99 ${fmt(bareRun.p99, 1)} ms`,
          ratio,
          ratioLabel: `${fmt(ratio * 100)}% of the bare rate`,
          target: '≥ 50% of the bare rate, p99 < 50 ms',
          met: ratio >= 0.5 && propsyncRun.p99 < 50,
          notes: `${deliveriesPerRun} signed Reapit deliveries, ${CONCURRENCY} in flight; ${propsyncRun.refused} refused`,
          details: { propsync: propsyncRun, bare: bareRun },
        },
        {
          row: 'Webhook delivery → contact updated',
          measured: `p50 ${fmt(percentile(latencies, 0.5))} ms, p95 ${fmt(percentile(latencies, 0.95))} ms`,
          baseline: '—',
          ratio: null,
          ratioLabel: '—',
          target: 'within a second',
          met: percentile(latencies, 0.95) < 1_000,
          notes: `${latencies.length} deliveries at 50/s through the job queue`,
          details: { latenciesMs: { min: latencies[0], max: latencies.at(-1) } },
        },
      ];
      return results;
    } finally {
      bareServer?.close();
      propsyncServer.close();
      await services.close();
      await simulator.close();
      await database.drop();
    }
  },
};

async function send(url: string, deliveries: Delivery[]) {
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
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
