import type { CrmProvider } from '../../shared/providers.ts';
import type { Logger } from '../../server/infrastructure/logger.ts';
import type { OperatorConfig } from './operator-config.ts';

/**
 * How the adapter contract suite (server/adapters/contract.test.ts), the demo and the sandbox
 * start and drive one CRM simulator. Each CRM folder's `simulator/<provider>.harness.ts` exports
 * one, and the folder's `index.ts` registers it with the adapter.
 */
export interface SimulatorHarness {
  provider: CrmProvider;
  start(options: HarnessOptions): Promise<RunningHarness>;
}

export type HarnessOptions = {
  seed?: number;
  contactCount: number;
  /** Token lifetime for providers with expiring tokens (ignored otherwise). */
  tokenLifetimeSeconds?: number;
  /** Rate limits on (documented values) or off. Default on. */
  rateLimits?: boolean;
  /** Fixed port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Where the simulator reports its own unexpected errors. */
  logger?: Pick<Logger, 'error'>;
};

/** The activities every simulator can enter for the contract suite. */
export type HarnessActivityType =
  'viewing_booked' | 'viewing_completed' | 'valuation_booked' | 'offer_submitted';

export type HarnessRequest = {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  status: number | null;
};

export interface RunningHarness {
  url: string;
  /**
   * What an admin enters to connect to this simulator: the provider's credentials, and settings
   * (customer id, a custom CRM's address). Settings may include `pageSize` so the suite can force
   * several pages.
   */
  connection: { credentials: Record<string, string>; settings: Record<string, string> };
  /**
   * What the operator configures to point Propsync at this simulator: the CRM's fixed hosts
   * (`PROPSYNC_<CRM>_<HOST>_URL`) and an egress allowance for exactly its listeners.
   */
  operatorConfig: OperatorConfig;
  /**
   * The sandbox app this simulator registers for sign-in by OAuth redirect, where the CRM offers
   * it: what a deployment would configure in PROPSYNC_OAUTH_APPS.
   */
  oauthApp?: { clientId: string; clientSecret: string; settings?: Record<string, string> };
  /** Credentials of the same shape that the simulator rejects. */
  invalidCredentials: Record<string, string>;
  /** How many contacts a full listing must return (the records the API exposes). */
  listableContactCount(): number;
  /** External ids of every listable contact. */
  listableContactIds(): string[];
  /** Edits `count` listable contacts in the CRM, moving their modification time; returns their ids. */
  modifyContacts(count: number): string[];
  /** Requests the simulator received since the last clear. */
  requests(): HarnessRequest[];
  clearRequests(): void;
  /** True when a contact-list request carried the provider's modified-since filter. */
  isDeltaListRequest(request: HarnessRequest): boolean;
  /** True when the request lists contacts (any page). */
  isContactListRequest(request: HarnessRequest): boolean;
  revokeCredentials(): void;
  restoreCredentials(): void;
  /** Makes every token issued so far expire now (no-op where credentials do not expire). */
  expireTokens(): void;
  /** The next `count` API requests answer `status`. */
  failNext(count: number, status: number): void;
  /**
   * Enters an activity for a listable contact as an agent would in the CRM (moving its
   * modification time), sending the CRM's webhook for it; answers its id as the adapter reports
   * it (`<kind>:<CRM id>`). `offer_submitted` is an offer by the contact; the others are diary
   * appointments at the stage named.
   */
  createActivity?(options: { contactExternalId: string; type: HarnessActivityType }): string;
  /**
   * Moves an activity to its next stage (a booked viewing completed, a submitted offer accepted),
   * moving its modification time and sending the CRM's update webhook.
   */
  progressActivity?(activityExternalId: string): void;
  /**
   * What agents do in this CRM once the demo is connected, where its seeded data alone cannot show
   * a signal (a CRM whose activities arrive only by webhook sends none for records older than the
   * subscription). Optional.
   */
  demoAgentActivity?(): void;
  /** Write-back records (journal entries, file notes, notes…) the CRM holds for a contact. */
  writeBackRecords(contactExternalId: string): unknown[];
  /**
   * A delivery signed the way this CRM signs webhooks, for a change to `contactExternalId`.
   * `secret` is what the adapter's registerWebhooks returned (null where the CRM signs with its
   * own keys); `timestampOffsetSeconds` shifts the signed time (stale deliveries).
   */
  signedWebhook(options: {
    contactExternalId: string;
    secret: string | null;
    timestampOffsetSeconds?: number;
  }): { headers: Record<string, string>; rawBody: Buffer };
  close(): Promise<void>;
}

/** The simulator options the contract suite sets: its book, rate limits, logger and fast retries. */
export type HarnessSimulatorOptions = {
  seed: number;
  contactCount: number;
  webhookRetryScale: number;
  /** The suite's token lifetime (default 3600); CRMs whose credentials do not expire ignore it. */
  tokenLifetimeSeconds: number;
  rateLimits?: false;
  logger?: Pick<Logger, 'error'>;
};

/** What the default harness reads from any toolkit simulator. */
type HarnessableSimulator = {
  readonly requestLog: { entries(): HarnessRequest[]; clear(): void };
  readonly controls: {
    failNext(count: number, status: number): void;
    modifyContacts?(options: { count: number; randomChange: true }): string[];
  };
  contactCount(): number;
  contactIds(): string[];
  close(): Promise<void>;
};

/**
 * The parts of a running harness that differ per CRM; the rest defaults from the simulator
 * (`modifyContacts` makes a random edit to `count` contacts with the simulator's control of that
 * name). A signed webhook's raw body may be a string.
 */
export type CrmHarnessParts = Omit<
  RunningHarness,
  | 'url'
  | 'requests'
  | 'clearRequests'
  | 'failNext'
  | 'close'
  | 'listableContactCount'
  | 'listableContactIds'
  | 'expireTokens'
  | 'modifyContacts'
  | 'signedWebhook'
  | 'isContactListRequest'
  | 'isDeltaListRequest'
  | 'progressActivity'
> &
  Partial<Omit<RunningHarness, 'signedWebhook' | 'progressActivity'>> & {
    /** A GET to a path that matches lists contacts (any page). */
    contactListPath: RegExp;
    /** True when a contact-list request carries the provider's modified-since filter. */
    isDelta(request: HarnessRequest): boolean;
    /**
     * How an activity of each kind (the part of its external id before `:`) moves to its next
     * stage, by its CRM id; false (not found) or an unknown kind is a RangeError.
     */
    progress?: Record<string, (id: string) => boolean | void>;
    signedWebhook(options: Parameters<RunningHarness['signedWebhook']>[0]): {
      headers: Record<string, string>;
      rawBody: Buffer | string;
    };
  };

/** True when the request names query parameter `name` in any case (for CRMs that bind names so). */
export function hasQueryParameter(request: HarnessRequest, name: string): boolean {
  return Object.keys(request.query).some((key) => key.toLowerCase() === name.toLowerCase());
}

/**
 * A contract harness for a toolkit simulator: `create` builds it from the suite's options, it
 * listens on the suite's port, and `connect` says only what is the CRM's own (credentials, list
 * paths, revocation, signing). Requests, failNext, counts and close come from the simulator.
 */
export function defineHarness<
  S extends HarnessableSimulator & { listen(port?: number): Promise<{ url: string }> },
>(spec: {
  provider: CrmProvider;
  create(options: HarnessSimulatorOptions): S;
  /** `running` is what `listen` returned (e.g. a second host's URL). */
  connect(simulator: S, url: string, running: Awaited<ReturnType<S['listen']>>): CrmHarnessParts;
}): SimulatorHarness {
  return {
    provider: spec.provider,
    async start(options) {
      const simulator = spec.create({
        seed: options.seed ?? 1,
        contactCount: options.contactCount,
        webhookRetryScale: 0.0001,
        tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
        ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      const running = (await simulator.listen(options.port ?? 0)) as Awaited<ReturnType<S['listen']>>;
      const { contactListPath, isDelta, progress, ...parts } = spec.connect(simulator, running.url, running);
      const isContactListRequest = (request: HarnessRequest) =>
        request.method === 'GET' && contactListPath.test(request.path);
      return {
        url: running.url,
        listableContactCount: () => simulator.contactCount(),
        listableContactIds: () => simulator.contactIds(),
        requests: () =>
          simulator.requestLog
            .entries()
            .map(({ method, path, query, status }) => ({ method, path, query, status })),
        clearRequests: () => simulator.requestLog.clear(),
        failNext: (count, status) => simulator.controls.failNext(count, status),
        // Credentials that do not expire (API keys) make this a no-op.
        expireTokens: () => {},
        modifyContacts(count) {
          if (simulator.controls.modifyContacts === undefined)
            throw new Error(`the ${spec.provider} harness must say how to modify contacts`);
          return simulator.controls.modifyContacts({ count, randomChange: true });
        },
        close: () => simulator.close(),
        isContactListRequest,
        isDeltaListRequest: (request) => isContactListRequest(request) && isDelta(request),
        ...(progress && {
          progressActivity(externalId: string) {
            const [kind = '', ...rest] = externalId.split(':');
            const next = Object.hasOwn(progress, kind) ? progress[kind] : undefined;
            if (next === undefined || next(rest.join(':')) === false)
              throw new RangeError(`no ${spec.provider} activity ${externalId} with a next stage`);
          },
        }),
        ...parts,
        signedWebhook(options) {
          const signed = parts.signedWebhook(options);
          return { headers: signed.headers, rawBody: Buffer.from(signed.rawBody) };
        },
      };
    },
  };
}
