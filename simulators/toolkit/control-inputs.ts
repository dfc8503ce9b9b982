import type { Request, Router } from 'express';
import { z } from 'zod';
import { created, mountControlRoutes } from './control-routes.ts';
import type { FaultControls, FaultMatch, FaultSettings } from './fault-controls.ts';
import type { RequestLog } from './request-log.ts';
import type { SimulatorClock } from './simulator-clock.ts';
import type { WebhookDeliveryFaults } from './webhook-dispatcher.ts';

export { ControlInputError, handle } from './control-routes.ts';

/**
 * What every simulator's `/_sim` control surface accepts for its faults, clock and counts, and how
 * a control action answers bad input (400) or an unknown id (404). Each simulator adds its own
 * data controls (contacts, appointments, offers) on top.
 */
export const CountSchema = z.number().int().min(1).max(1_000_000);
export const MatchShape = { method: z.string().optional(), pathPrefix: z.string().optional() };

export const FaultSettingsSchema = z
  .object({
    latencyMs: z.number().min(0),
    latencyJitterMs: z.number().min(0),
    errorRate: z.number().min(0).max(1),
    errorStatuses: z.array(z.number().int().min(100).max(599)).min(1),
    timeoutRate: z.number().min(0).max(1),
    dropRate: z.number().min(0).max(1),
  })
  .partial();
export const FailNextSchema = z.object({
  count: CountSchema.default(1),
  status: z.number().int().min(100).max(599),
  ...MatchShape,
});
export const OneShotSchema = z.object({ count: CountSchema.default(1), ...MatchShape });
export const WebhookFaultsSchema = z
  .object({
    duplicateRate: z.number().min(0).max(1),
    outOfOrderRate: z.number().min(0).max(1),
    outOfOrderDelayMs: z.number().min(0),
  })
  .partial();
export const AdvanceSchema = z.object({ ms: z.number() });
export function matchOf(input: { method?: string | undefined; pathPrefix?: string | undefined }): FaultMatch {
  return {
    ...(input.method === undefined ? {} : { method: input.method }),
    ...(input.pathPrefix === undefined ? {} : { pathPrefix: input.pathPrefix }),
  };
}

/** What every simulator exposes for the common control routes. */
export type ControllableSimulator = {
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  readonly controls: {
    setFaults(settings: Partial<FaultSettings>): void;
    clearFaults(): void;
    setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
    advanceClock(milliseconds: number): void;
    reset(): void;
  };
  webhookAttempts(): unknown[];
};

/**
 * The `/_sim` routes every simulator shares: standing and one-shot faults, webhook delivery faults,
 * the request log, webhook attempts, the clock and reset. Each simulator mounts its data controls
 * (contacts, appointments, credentials) beside these.
 */
export function mountCommonControlRoutes(router: Router, simulatorOf: () => ControllableSimulator): void {
  // The one-shot faults that take only a count and a request match.
  const oneShot =
    (fault: 'timeoutNext' | 'dropNext' | 'loseNextResponse') =>
    (request: Request): void => {
      const body = OneShotSchema.parse(request.body ?? {});
      simulatorOf().faults[fault](body.count, matchOf(body));
    };
  mountControlRoutes(router, {
    'GET /faults': () => simulatorOf().faults.snapshot(),
    'PUT /faults': (request) => {
      const simulator = simulatorOf();
      simulator.controls.setFaults(defined(FaultSettingsSchema.parse(request.body ?? {})));
      return simulator.faults.snapshot();
    },
    'DELETE /faults': () => void simulatorOf().controls.clearFaults(),
    'POST /faults/fail-next': (request) => {
      const body = FailNextSchema.parse(request.body ?? {});
      simulatorOf().faults.failNext(body.count, body.status, matchOf(body));
    },
    'POST /faults/timeout-next': oneShot('timeoutNext'),
    'POST /faults/drop-next': oneShot('dropNext'),
    'POST /faults/lose-next-response': oneShot('loseNextResponse'),
    'PUT /webhook-faults': (request) =>
      void simulatorOf().controls.setWebhookFaults(defined(WebhookFaultsSchema.parse(request.body ?? {}))),
    'GET /requests': (request) => {
      const method = typeof request.query.method === 'string' ? request.query.method : undefined;
      const path = typeof request.query.path === 'string' ? request.query.path : undefined;
      return { entries: simulatorOf().requestLog.entries(defined({ method, path })) };
    },
    'DELETE /requests': () => simulatorOf().requestLog.clear(),
    'GET /webhook-deliveries': () => ({ attempts: simulatorOf().webhookAttempts() }),
    'POST /clock/advance': (request) => {
      const { ms } = AdvanceSchema.parse(request.body ?? {});
      const simulator = simulatorOf();
      simulator.controls.advanceClock(ms);
      return { now: new Date(simulator.clock.now()).toISOString(), offsetMs: simulator.clock.offsetMs };
    },
    'POST /reset': () => void simulatorOf().controls.reset(),
  });
}

/** Drops undefined members (zod's optional fields) so `exactOptionalPropertyTypes` holds. */
export function defined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  randomChange: z.boolean().optional(),
});

/**
 * What `controls.modifyContacts` takes in every CRM: how many records (picked deterministically
 * among unarchived ones) or which, the fields to set (checked like the CRM's PATCH body; with
 * neither fields nor `randomChange`, only the modification time moves), a realistic random edit
 * per record, and the tenant where the CRM has several.
 */
export type ModifyContactsOptions<Fields, Scope extends object = object> = {
  count?: number;
  ids?: readonly string[];
  fields?: Fields;
  randomChange?: boolean;
} & Scope;

/** A `POST /_sim/contacts/modify` body: the CRM validates `fields` as its own PATCH body. */
export type ModifyRequest = z.infer<typeof ModifySchema>;

/**
 * The record routes every simulator's `/_sim` has, scoped to a tenant (agency, customer, team)
 * where the CRM has several: `POST /contacts` → 201 `{id}`, `POST /contacts/modify` →
 * `{modified}`, `POST /contacts/:id/archive` and `DELETE /contacts/:id` → 204, or 404 `{error}`.
 */
export function mountContactControls<Scope extends object>(
  router: Router,
  spec: {
    /** The tenant the request names (query or body), e.g. `{customerId}`, or `{}`. */
    scopeOf(request: Request): Scope;
    create(body: Record<string, unknown>, scope: Scope): string;
    modify(request: ModifyRequest, scope: Scope): string[];
    archive(id: string, scope: Scope): boolean;
    remove(id: string, scope: Scope): boolean;
    /** What a 404 calls the record (default `contact`). */
    noun?: string;
  },
): void {
  /** 204, or a 404 naming the record when there is none. */
  const answer = (id: string, found: boolean) => {
    if (!found) throw new RangeError(`${spec.noun ?? 'contact'} ${id} not found`);
  };
  mountControlRoutes(router, {
    'POST /contacts': created((request) => ({
      id: spec.create((request.body ?? {}) as Record<string, unknown>, spec.scopeOf(request)),
    })),
    'POST /contacts/modify': (request) => ({
      modified: spec.modify(defined(ModifySchema.parse(request.body ?? {})), spec.scopeOf(request)),
    }),
    'POST /contacts/:id/archive': (request) => {
      const id = String(request.params.id);
      answer(id, spec.archive(id, spec.scopeOf(request)));
    },
    'DELETE /contacts/:id': (request) => {
      const id = String(request.params.id);
      answer(id, spec.remove(id, spec.scopeOf(request)));
    },
  });
}

/**
 * An archive or delete control: the contact `id` in the tenant's dataset, acted on; false when
 * there is none (its `/_sim` route then answers 404).
 */
export function contactControl<Scope, Dataset extends { contactById(id: string): object | undefined }>(
  datasetOf: (scope?: Scope) => Dataset,
  act: (dataset: Dataset, record: NonNullable<ReturnType<Dataset['contactById']>>) => void,
): (id: string, scope?: Scope) => boolean {
  return (id, scope) => {
    const dataset = datasetOf(scope);
    const record = dataset.contactById(id) as NonNullable<ReturnType<Dataset['contactById']>> | undefined;
    if (record !== undefined) act(dataset, record);
    return record !== undefined;
  };
}

/**
 * The tenant a control request names, in its query or its body (`?customerId=` or
 * `{customerId}`), as `{customerId: id}`, or `{}` for the default tenant.
 */
export function tenantOf<Name extends string>(request: Request, name: Name): { [K in Name]?: string } {
  const fromQuery = request.query[name];
  const body = request.body as Record<string, unknown> | undefined;
  const value = typeof fromQuery === 'string' ? fromQuery : body?.[name];
  return (typeof value === 'string' ? { [name]: value } : {}) as { [K in Name]?: string };
}
