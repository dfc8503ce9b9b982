import express, {
  Router,
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from '../../server/infrastructure/logger.ts';
import { listen as listenApp, type RunningServer } from './app-listener.ts';
import { mountCommonControlRoutes } from './control-inputs.ts';

export { defined } from './control-inputs.ts';
import { handle } from './control-routes.ts';
import { FaultControls, faultMiddleware, type FaultMatch, type FaultSettings } from './fault-controls.ts';
import { RateLimiter, type RateLimitConfig } from './rate-limiter.ts';
import { RequestLog } from './request-log.ts';
import { SeededRandom, mixSeed } from './seeded-random.ts';
import { createSimulatorClock, type SimulatorClock } from './simulator-clock.ts';
import {
  WebhookDispatcher,
  type WebhookAttempt,
  type WebhookDeliveryFaults,
  type WebhookDispatcherOptions,
} from './webhook-dispatcher.ts';

/** Options every simulator accepts, whatever the CRM. */
export interface SimulatorOptions {
  /** Seeds the data, fault draws and control choices (default 1, so every CRM plants the same people). */
  seed?: number;
  /** The simulator's clock (default Date.now); `controls.advanceClock` shifts it further. */
  now?: () => number;
  /** People generated per tenant (default 1,000). */
  contactCount?: number;
  /** Share of planted duplicate people (default: the generator's 0.02). */
  duplicateRate?: number;
  /** Generated timestamps lie in the months before this instant (default: midnight UTC today). */
  dataAnchor?: number | string | Date;
  /** Multiplies the CRM's webhook retry schedule; e.g. 0.0001 in tests. Default 1. */
  webhookRetryScale?: number;
  /** Most request-log entries kept (default 100,000). */
  requestLogLimit?: number;
  /** Where unexpected errors are logged. */
  logger?: Pick<Logger, 'error'>;
}

/** Options of a CRM simulator with documented rate limits and webhooks. */
export interface ApiSimulatorOptions<Limits> extends SimulatorOptions {
  /** The CRM's documented limits by default; override parts, or `false` to disable (benchmarks). */
  rateLimits?: Partial<Limits> | false;
  /** How long a webhook receiver may take (default: the CRM's documented timeout, 10 or 15 s). */
  webhookTimeoutMs?: number;
}

/** Options of a CRM simulator with expiring tokens too. */
export interface CrmSimulatorOptions<Limits> extends ApiSimulatorOptions<Limits> {
  /** Access token lifetime in seconds (default 3600; fractions allowed). */
  tokenLifetimeSeconds?: number;
}

/**
 * A request handled but rejected while being read: answered in the CRM's error shape, 400 unless
 * `status` says otherwise (e.g. JSON:API's 409 and 422); `details` (e.g. the query parameter at
 * fault) go to the CRM's `sendError`.
 */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(message: string, options: { status?: number; details?: ErrorDetails } = {}) {
    super(message);
    this.status = options.status ?? 400;
    this.details = options.details;
  }
}

/** `value`, or else a 404 in the CRM's error shape (through `sendError`) saying `detail`. */
export function found<T>(value: T | undefined, detail: string, details?: ErrorDetails): T {
  if (value === undefined) throw new BadRequestError(detail, { status: 404, ...(details && { details }) });
  return value;
}

/** What an error answer may say beyond its detail, for the CRMs whose shape has room for it. */
export interface ErrorDetails {
  /** The query parameter at fault. */
  parameter?: string;
  /** Where in the request body (a JSON pointer). */
  pointer?: string;
  /** A machine-readable code. */
  code?: string;
  /** Several problems at once (e.g. one per invalid field), each with its own detail and pointer. */
  problems?: Array<{ detail: string; pointer?: string }>;
}

/** Where webhook deliveries go: one dispatcher, or a CRM's own set of them (per subscription). */
export interface WebhookOutbox {
  attempts(): WebhookAttempt[];
  idle(): Promise<void>;
  setFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Cancels pending work (reset and close). */
  reset(): void;
}

/** The controls every simulator has; a CRM adds its own data controls beside them. */
export interface CommonControls {
  /** Standing faults; merges with current settings. */
  setFaults(settings: Partial<FaultSettings>): void;
  /** Removes every fault and revocation. */
  clearFaults(): void;
  /** The next `count` matching API requests answer `status`. */
  failNext(count: number, status: number, match?: FaultMatch): void;
  /** The next `count` matching API requests are handled but their answer is lost (connection destroyed). */
  loseNextResponse(count: number, match?: FaultMatch): void;
  setWebhookFaults(faults: Partial<WebhookDeliveryFaults>): void;
  /** Moves the simulator clock (token expiry, modified-since cursors, rate windows). */
  advanceClock(milliseconds: number): void;
  /** Back to the initial state: data regenerated; faults, logs, limits, webhooks and clock cleared. */
  reset(): void;
}

/** What every simulator is, before its CRM's own members. */
export interface SimulatorCore {
  readonly app: Express;
  /** Starts an HTTP server (port 0 = any free port, host loopback by default). */
  listen(port?: number, host?: string): Promise<RunningServer>;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  readonly clock: SimulatorClock;
  webhookAttempts(): WebhookAttempt[];
  /** Resolves once every queued webhook is delivered or given up (retries included). */
  webhooksIdle(): Promise<void>;
  /** Stops servers started with `listen` and cancels pending webhook work. */
  close(): Promise<void>;
}

/** A CRM's own members replace the core's of the same name (Reapit's `listen` starts two hosts). */
export type Simulator<Own, Controls> = Omit<SimulatorCore, keyof Own> &
  Own & { readonly controls: CommonControls & Controls };

/** What a tenant's dataset is generated from. */
export interface DatasetSeed {
  /** The simulator's seed for the default tenant (so every CRM plants the same people), mixed for others. */
  seed: number;
  contactCount: number;
  anchor: number;
  duplicateRate?: number;
}

/**
 * One dataset per tenant (agency, customer, team), regenerated in place on reset so whatever
 * holds the map sees the new data.
 */
export interface TenantDatasets<D> {
  readonly defaultTenant: string;
  /** Live map by tenant key. */
  readonly byKey: Map<string, D>;
  /** The tenant's dataset (default tenant when omitted); an unknown tenant is a RangeError (404 on /_sim). */
  get(tenant?: string): D;
}

/** What the toolkit hands a CRM while it builds its parts. */
export interface SimulatorKit<Options extends SimulatorOptions> {
  readonly options: Options;
  readonly seed: number;
  readonly clock: SimulatorClock;
  readonly faults: FaultControls;
  readonly requestLog: RequestLog;
  /** Resolved `dataAnchor`. */
  readonly anchor: number;
  /** What the single (or default) dataset is generated from. */
  datasetSeed(tenant?: string): DatasetSeed;
  /**
   * Datasets for several tenants, the first being the default; `key` folds a tenant id for lookup
   * (e.g. case-insensitive short names), `noun` names it in errors.
   */
  tenantDatasets<D>(spec: {
    tenants: readonly string[];
    build(tenant: string, seed: DatasetSeed): D;
    key?: (tenant: string) => string;
    noun: string;
  }): TenantDatasets<D>;
  /**
   * A seeded stream for control choices (which contacts `modifyContacts` picks), restarted on
   * reset so the same controls pick the same records again.
   */
  controlRandom(): SeededRandom;
  /** A rate limiter on the simulator clock; reset with the simulator. */
  rateLimiter(config: RateLimitConfig | false): RateLimiter;
  /**
   * A webhook dispatcher on the simulator clock, its retry schedule scaled by
   * `webhookRetryScale`; it becomes the simulator's outbox unless the CRM returns its own.
   */
  webhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher;
  /** `delays` scaled by `webhookRetryScale`. */
  retryDelays(delays: readonly number[]): number[];
  /** Runs on every reset, after the toolkit's own parts are cleared. */
  onReset(action: () => void): void;
  /** The simulator object, once built (for handlers; never during `build`). */
  simulator(): SimulatorCore & { controls: CommonControls };
  /** The app of the main host, or of one of `parts.hosts`, once built (never during `build`). */
  app(host?: string): Express;
  /**
   * Starts a listener for the main host or one of `parts.hosts` (for a CRM whose `listen` starts
   * several); `close()` stops it with the rest.
   */
  listen(host: string | undefined, port: number, hostname: string): Promise<RunningServer>;
}

/** What a CRM's simulator brings: its API, error shape, controls and state reads. */
export interface SimulatorParts<Own, Controls> {
  /** Mounts the CRM's API (auth, limits, `kit`'s fault middleware, routes) after the request log. */
  mount(app: Express, tools: { injectFaults: RequestHandler }): void;
  /** Writes an error the way the CRM does: injected faults, unknown routes, bad bodies, crashes. */
  sendError(response: Response, status: number, detail?: string, details?: ErrorDetails): void;
  /**
   * A 400 for a {@link BadRequestError} (`error`) or an unreadable JSON body (no `error`; `detail`
   * is `messages.invalidJson`), where the CRM answers those unlike {@link sendError}.
   */
  sendBadRequest?(response: Response, detail: string, error?: BadRequestError): void;
  /** An injected fault's answer, where it differs from {@link sendError} (e.g. a 429 with Retry-After). */
  sendFault?(request: Request, response: Response, status: number): void;
  /** A request id header value per response (default none). */
  requestId?(): string;
  /** The header `requestId` goes in (default `x-request-id`). */
  requestIdHeader?: string;
  /**
   * Further hosts the CRM serves apart (Reapit Connect beside the API), each in the same frame:
   * `/_sim`, the request log, the CRM's errors; only their routes and unknown-route detail differ.
   */
  hosts?: Record<
    string,
    { mount(app: Express, tools: { injectFaults: RequestHandler }): void; notFound(request: Request): string }
  >;
  /** Details of the CRM's own answers to unknown routes and bad bodies. */
  messages: { notFound(request: Request): string; invalidJson: string; tooLarge: string };
  /** The CRM's webhook outbox, when it is not a single {@link SimulatorKit.webhookDispatcher}. */
  webhooks?: WebhookOutbox;
  /** Members the CRM adds to the simulator (state reads, signing helpers). */
  own: Own;
  /** Data controls the CRM adds (create, modify, delete…). */
  controls: Controls;
  /** Extra `/_sim` routes (the common ones are mounted by the toolkit). */
  controlRoutes?(router: Router): void;
  /** What `GET /_sim` reports beside (or instead of) the toolkit's counters; may read the query. */
  describe(request: Request): Record<string, unknown>;
}

export interface SimulatorDefinition<Options extends SimulatorOptions, Own, Controls> {
  /** The CRM's name in `GET /_sim` and logs. */
  crm: string;
  /** Prefix of the fault and control seed labels (kept per CRM so draws stay as they were). */
  seedPrefix?: string;
  build(kit: SimulatorKit<Options>): SimulatorParts<Own, Controls>;
}

/**
 * Builds a CRM simulator from what is the CRM's own (routes, models, dataset, auth, signer): the
 * toolkit owns the clock, faults, request log, rate limiters, webhook outbox, reset, listen/close,
 * the express frame (request ids, bodies, unknown routes, errors) and the `/_sim` control surface.
 */
export function defineSimulator<
  Options extends SimulatorOptions,
  Own extends object,
  Controls extends object,
>(definition: SimulatorDefinition<Options, Own, Controls>): (options?: Options) => Simulator<Own, Controls> {
  return (options = {} as Options) => {
    const seed = options.seed ?? 1;
    const prefix = definition.seedPrefix ?? '';
    const clock = createSimulatorClock(options.now ?? Date.now);
    const faults = new FaultControls({ seed: mixSeed(seed, `${prefix}faults`) });
    const requestLog = new RequestLog({
      now: clock.now,
      ...(options.requestLogLimit === undefined ? {} : { maxEntries: options.requestLogLimit }),
    });
    const retryScale = options.webhookRetryScale ?? 1;
    const limiters: RateLimiter[] = [];
    const resets: Array<() => void> = [];
    let random = new SeededRandom(mixSeed(seed, `${prefix}controls`));
    let dispatcher: WebhookDispatcher | undefined;
    const apps: { main?: Express; hosts: Map<string, Express> } = { hosts: new Map() };
    const servers = new Set<RunningServer>();
    // Filled once the simulator exists; control routes and handlers read it per request.
    const built: { simulator?: SimulatorCore & { controls: CommonControls } } = {};

    const anchor = anchorOf(options.dataAnchor, clock.now());
    const kit: SimulatorKit<Options> = {
      options,
      seed,
      clock,
      faults,
      requestLog,
      anchor,
      datasetSeed: (tenant) => ({
        seed: tenant === undefined ? seed : mixSeed(seed, tenant),
        contactCount: options.contactCount ?? 1000,
        anchor,
        ...(options.duplicateRate === undefined ? {} : { duplicateRate: options.duplicateRate }),
      }),
      tenantDatasets(spec) {
        const key = spec.key ?? ((tenant: string) => tenant);
        const defaultTenant = spec.tenants[0];
        if (defaultTenant === undefined) throw new RangeError(`at least one ${spec.noun} is required`);
        const byKey = new Map<string, ReturnType<typeof spec.build>>();
        const generate = () => {
          byKey.clear();
          for (const tenant of new Set(spec.tenants)) {
            // The default tenant uses the seed as is, so other simulators with the same seed share its people.
            byKey.set(
              key(tenant),
              spec.build(tenant, kit.datasetSeed(tenant === defaultTenant ? undefined : tenant)),
            );
          }
        };
        generate();
        resets.push(generate);
        return {
          defaultTenant,
          byKey,
          get(tenant) {
            const dataset = byKey.get(key(tenant ?? defaultTenant));
            if (dataset === undefined) throw new RangeError(`unknown ${spec.noun} ${tenant}`);
            return dataset;
          },
        };
      },
      controlRandom: () => random,
      rateLimiter(config) {
        const limiter = new RateLimiter(config, { now: clock.now });
        limiters.push(limiter);
        return limiter;
      },
      retryDelays: (delays) => delays.map((delay) => Math.max(0, Math.round(delay * retryScale))),
      webhookDispatcher(dispatcherOptions) {
        dispatcher = new WebhookDispatcher({
          seed: mixSeed(seed, 'webhooks'),
          now: clock.now,
          ...dispatcherOptions,
          retryDelaysMs: kit.retryDelays(dispatcherOptions.retryDelaysMs),
        });
        return dispatcher;
      },
      onReset: (action) => resets.push(action),
      app(host) {
        const app = host === undefined ? apps.main : apps.hosts.get(host);
        if (app === undefined)
          throw new Error(`no ${host ?? 'main'} host (or the simulator is still being built)`);
        return app;
      },
      async listen(host, port, hostname) {
        const running = await listenApp(kit.app(host), port, hostname);
        servers.add(running);
        return {
          ...running,
          close: async () => {
            servers.delete(running);
            await running.close();
          },
        };
      },
      simulator() {
        if (built.simulator === undefined) throw new Error('the simulator is still being built');
        return built.simulator;
      },
    };

    const parts = definition.build(kit);
    const outbox: WebhookOutbox | undefined = parts.webhooks ?? dispatcher;
    const common: CommonControls = {
      setFaults: (settings) => faults.configure(settings),
      clearFaults: () => faults.clear(),
      failNext: (count, status, match) => faults.failNext(count, status, match),
      loseNextResponse: (count, match) => faults.loseNextResponse(count, match),
      setWebhookFaults: (webhookFaults) => outbox?.setFaults(webhookFaults),
      advanceClock: (milliseconds) => clock.advance(milliseconds),
      reset() {
        clock.reset();
        faults.clear();
        requestLog.clear();
        for (const limiter of limiters) limiter.reset();
        outbox?.reset();
        random = new SeededRandom(mixSeed(seed, `${prefix}controls`));
        for (const action of resets) action();
      },
    };
    const controls = { ...common, ...parts.controls };

    const frame = appFrame(definition.crm, parts, kit);
    const app = frame(parts.mount, parts.messages.notFound);
    apps.main = app;
    for (const [name, host] of Object.entries(parts.hosts ?? {}))
      apps.hosts.set(name, frame(host.mount, host.notFound));
    const core: SimulatorCore & { controls: CommonControls & Controls } = {
      app,
      listen: (port = 0, host = '127.0.0.1') => kit.listen(undefined, port, host),
      controls,
      faults,
      requestLog,
      clock,
      webhookAttempts: () => outbox?.attempts() ?? [],
      webhooksIdle: () => outbox?.idle() ?? Promise.resolve(),
      async close() {
        outbox?.reset();
        await Promise.all([...servers].map((server) => server.close()));
        servers.clear();
      },
    };
    // Own members are getters or functions over live state: copy their descriptors, not values.
    Object.defineProperties(core, Object.getOwnPropertyDescriptors(parts.own));
    built.simulator = core;
    // The same object, now carrying the CRM's members too (they win over the core's).
    return core as unknown as Simulator<Own, Controls>;
  };
}

type Mount = (app: Express, tools: { injectFaults: RequestHandler }) => void;

/** Builds the apps of a simulator's hosts: the same control router, request log, faults and errors. */
function appFrame<Options extends SimulatorOptions>(
  crm: string,
  parts: SimulatorParts<unknown, unknown>,
  kit: SimulatorKit<Options>,
): (mount: Mount, notFound: (request: Request) => string) => Express {
  const controls = controlRouter(crm, parts, kit);
  const injectFaults = faultMiddleware(kit.faults, {
    sendError: (request, response, status) =>
      parts.sendFault === undefined
        ? parts.sendError(response, status)
        : parts.sendFault(request, response, status),
  });
  const handleErrors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (response.headersSent) return;
    if (error instanceof BadRequestError) {
      if (error.status === 400 && parts.sendBadRequest)
        return parts.sendBadRequest(response, error.message, error);
      return parts.sendError(response, error.status, error.message, error.details);
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      if (parts.sendBadRequest) return parts.sendBadRequest(response, parts.messages.invalidJson);
      return parts.sendError(response, 400, parts.messages.invalidJson);
    }
    if (type === 'entity.too.large') return parts.sendError(response, 413, parts.messages.tooLarge);
    kit.options.logger?.error({ err: error }, `${crm} simulator: unexpected error`);
    parts.sendError(response, 500);
  };
  return (mount, notFound) => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    const requestId = parts.requestId;
    if (requestId !== undefined) {
      const header = parts.requestIdHeader ?? 'x-request-id';
      app.use((_request, response, next) => {
        response.setHeader(header, requestId());
        next();
      });
    }
    app.use('/_sim', express.json({ limit: '1mb' }), controls);
    app.use(kit.requestLog.middleware());
    mount(app, { injectFaults });
    app.use((request, response) => parts.sendError(response, 404, notFound(request)));
    app.use(handleErrors);
    return app;
  };
}

/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly): the
 * toolkit's common routes, the CRM's own, and `GET /_sim` listing them. None is logged, limited or
 * faulted.
 */
function controlRouter<Options extends SimulatorOptions>(
  crm: string,
  parts: SimulatorParts<unknown, unknown>,
  kit: SimulatorKit<Options>,
): Router {
  const router = Router();
  mountCommonControlRoutes(router, kit.simulator);
  parts.controlRoutes?.(router);
  router.get(
    '/',
    handle((request, response) => {
      response.json({
        simulator: crm,
        requestsLogged: kit.requestLog.size,
        clockOffsetMs: kit.clock.offsetMs,
        faults: kit.faults.snapshot(),
        ...parts.describe(request),
        routes: routesOf(router),
      });
    }),
  );
  return router;
}

/** `METHOD|METHOD /_sim/path` for every route of the router, in mounting order. */
function routesOf(router: Router): string[] {
  return router.stack.flatMap((layer) => {
    const route = layer.route as { path: string; methods?: Record<string, boolean> } | undefined;
    if (route === undefined) return [];
    const methods = Object.keys(route.methods ?? {}).map((method) => method.toUpperCase());
    return [`${methods.join('|')} /_sim${route.path === '/' ? '' : route.path}`];
  });
}

function anchorOf(option: SimulatorOptions['dataAnchor'], now: number): number {
  if (option === undefined) return Math.floor(now / 86_400_000) * 86_400_000;
  const ms =
    option instanceof Date ? option.getTime() : typeof option === 'string' ? Date.parse(option) : option;
  if (Number.isNaN(ms)) throw new RangeError('dataAnchor is not a valid date');
  return ms;
}
