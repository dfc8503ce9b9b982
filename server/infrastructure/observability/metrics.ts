import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CRM_PROVIDERS } from '../../adapters/registry.ts';
import type { ProviderResponseObserver } from '../../adapters/adapter-kit/provider-http.ts';
import { z } from 'zod';
import type { EntityManager } from '../db/orm.ts';
import { Sql } from '../db/sql.ts';
import type { SyncJobQueue } from '../scheduling/sync-job-queue.ts';
import type { CycleObservation } from '../../core/sync/sync-cycle.ts';

/** A count per provider (and status, where the query groups by one too). */
const ProviderCountRow = z.object({ provider: z.string(), status: z.string().optional(), count: z.number() });

/**
 * Prometheus metrics for operators. Counters and histograms are this process's own (scrape every
 * process: `PROPSYNC_METRICS_PORT` gives workers an endpoint); connections by status and queue
 * depth are read from the shared database at scrape time, so every process reports the same.
 */
export class PropsyncMetrics {
  readonly registry = new Registry();
  readonly #cycleSeconds = new Histogram({
    name: 'propsync_sync_cycle_duration_seconds',
    help: 'Duration of sync cycles',
    labelNames: ['provider', 'status'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  readonly #records = this.#counter(
    'propsync_sync_records_total',
    'Records synced, inbound (fetched from the CRM) and outbound (written to the CRM)',
    ['provider', 'direction'],
  );
  readonly #cycleErrors = this.#counter(
    'propsync_sync_cycle_errors_total',
    'Sync cycles that failed, by error code',
    ['provider', 'code'],
  );
  readonly #responses = this.#counter(
    'propsync_provider_responses_total',
    'Answers from CRM APIs by status code (timeout and network for requests that got none)',
    ['provider', 'status'],
  );
  readonly #rateLimited = this.#counter(
    'propsync_provider_rate_limited_total',
    'HTTP 429 answers from CRM APIs (should stay at zero: requests are paced ahead of the limits)',
    ['provider'],
  );
  readonly #webhookRejections = this.#counter(
    'propsync_webhook_rejections_total',
    'Inbound webhook deliveries refused, by reason',
    ['provider', 'reason'],
  );

  constructor(sources: { em: EntityManager; jobs: SyncJobQueue }) {
    const sql = new Sql(sources.em);
    const countsOf = (query: string) => sql.rows(ProviderCountRow, query);
    collectDefaultMetrics({ register: this.registry, prefix: 'propsync_process_' });
    this.#gauge(
      'propsync_connections',
      'CRM connections by provider and status',
      ['provider', 'status'],
      async (gauge) => {
        const rows = await countsOf(
          `select provider, status, count(*)::int as count from crm_connections group by provider, status`,
        );
        gauge.reset();
        for (const row of rows) gauge.set({ provider: row.provider, status: row.status ?? '' }, row.count);
      },
    );
    this.#gauge(
      'propsync_webhook_deliveries',
      'Webhook deliveries set aside: parked (retried with backoff) and dead_lettered (given up, alerted)',
      ['provider', 'state'],
      async (gauge) => {
        const rows = await countsOf(
          `select c.provider, d.status, count(*)::int as count from webhook_deliveries d
           join crm_connections c on c.id = d.connection_id
           where d.status in ('parked', 'dead_lettered') group by c.provider, d.status`,
        );
        gauge.reset();
        // Both states are always reported, so a dashboard sees 0 rather than no series.
        for (const provider of CRM_PROVIDERS)
          for (const state of ['parked', 'dead_lettered']) gauge.set({ provider, state }, 0);
        for (const row of rows) gauge.set({ provider: row.provider, state: row.status ?? '' }, row.count);
      },
    );
    this.#gauge(
      'propsync_outbound_writes_refused',
      'Write-backs the CRM refused for good, waiting for an admin to retry or dismiss them',
      ['provider'],
      async (gauge) => {
        const rows = await countsOf(
          `select c.provider, count(*)::int as count from outbound_writes w
           join crm_connections c on c.id = w.connection_id where w.status = 'refused' group by c.provider`,
        );
        gauge.reset();
        for (const provider of CRM_PROVIDERS) gauge.set({ provider }, 0);
        for (const row of rows) gauge.set({ provider: row.provider }, row.count);
      },
    );
    this.#gauge(
      'propsync_sync_queue_depth',
      'Sync jobs waiting (queued) and running (active) across every process',
      ['state'],
      async (gauge) => {
        const depth = await sources.jobs.depth();
        gauge.set({ state: 'queued' }, depth.queued);
        gauge.set({ state: 'active' }, depth.active);
      },
    );
  }

  /** A counter of this process, in this registry. */
  #counter<const Label extends string>(name: string, help: string, labelNames: readonly Label[]) {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge in this registry whose values `read` sets at each scrape. */
  #gauge<const Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    read: (gauge: Gauge<Label>) => Promise<void>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await read(this);
      },
    });
  }

  readonly observeCycle = (cycle: CycleObservation): void => {
    this.#cycleSeconds.observe({ provider: cycle.provider, status: cycle.status }, cycle.durationMs / 1000);
    this.#records.inc({ provider: cycle.provider, direction: 'inbound' }, cycle.fetched);
    this.#records.inc({ provider: cycle.provider, direction: 'outbound' }, cycle.pushed);
    if (cycle.errorCode) this.#cycleErrors.inc({ provider: cycle.provider, code: cycle.errorCode });
  };

  readonly observeResponse: ProviderResponseObserver = ({ provider, outcome }) => {
    this.#responses.inc({ provider, status: String(outcome) });
    if (outcome === 429) this.#rateLimited.inc({ provider });
  };

  /**
   * The provider comes from the delivery's URL, before anything is authenticated: only registered
   * ids become label values (anything else counts as `unknown`), so no request adds a series.
   */
  webhookRejected(provider: string, reason: string): void {
    this.#webhookRejections.inc({
      provider: CRM_PROVIDERS.includes(provider) ? provider : 'unknown',
      reason,
    });
  }
}
