import type { Request } from 'express';
import type { FaultControls } from '../toolkit/fault-controls.ts';
import {
  AGENTOS_TIERS,
  type AgentosApiKey,
  type AgentosRateLimits,
  type AgentosTier,
} from './agentos-constants.ts';

export type KeyCheck =
  | { ok: true; key: AgentosApiKey; tier: AgentosTier }
  | { ok: false; status: 401 | 403 | 404; message: string };

const refused = (status: 401 | 403 | 404, message: string): KeyCheck => ({ ok: false, status, message });

/** A 401 in agentOS's words, with the reason. */
const denied = (reason: string): KeyCheck =>
  refused(401, `Authorization has been denied for this request: ${reason}`);

/**
 * The API key as a request carries it: `api_key` header (v3/v4), `ApiKey` header (v2), or the
 * `api_key` query parameter. Header names are case-insensitive; so is the query name here.
 */
export function apiKeyOf(request: Request): string | undefined {
  const header = request.get('api_key') ?? request.get('apikey');
  if (header !== undefined && header.trim() !== '') return header.trim();
  for (const [name, value] of Object.entries(request.query)) {
    if (name.toLowerCase() === 'api_key' && typeof value === 'string' && value.trim() !== '')
      return value.trim();
  }
  return undefined;
}

/**
 * Key checks and the abuse rule: keys are per agency and per tier; revocation goes through the
 * shared fault controls; a key that keeps hitting the rate limit is blocked (403) for a while.
 */
export class AgentosKeyGuard {
  readonly #keys: Map<string, AgentosApiKey>;
  readonly #faults: FaultControls;
  readonly #now: () => number;
  readonly #limits: AgentosRateLimits;
  #refusals = new Map<string, number[]>();
  #blockedUntil = new Map<string, number>();

  constructor(options: {
    keys: readonly AgentosApiKey[];
    faults: FaultControls;
    now: () => number;
    limits: AgentosRateLimits;
  }) {
    this.#keys = new Map(options.keys.map((key) => [key.apiKey, { ...key, tiers: [...key.tiers] }]));
    this.#faults = options.faults;
    this.#now = options.now;
    this.#limits = options.limits;
  }

  check(apiKey: string | undefined, tierSegment: string, shortNameSegment: string): KeyCheck {
    if (apiKey === undefined) return refused(401, 'An API key is required: send it in the api_key header');
    const key = this.#keys.get(apiKey);
    if (key === undefined || this.#faults.isRevoked(apiKey)) return denied('the API key is not valid');
    if (this.isBlocked(apiKey)) {
      return refused(
        403,
        'This API key has been blocked for repeatedly exceeding the rate limit; ask the agency to contact agentOS support',
      );
    }
    const tier = tierSegment.toLowerCase();
    if (!(AGENTOS_TIERS as readonly string[]).includes(tier))
      return refused(404, `There is no API tier called ${tierSegment}`);
    if (shortNameSegment.toLowerCase() !== key.shortName.toLowerCase())
      return denied(`the API key was not issued by ${shortNameSegment}`);
    if (!key.tiers.includes(tier as AgentosTier))
      return denied(`the agency has not enabled the ${tier} API tier for this key`);
    return { ok: true, key, tier: tier as AgentosTier };
  }

  /** Counts a 429; past the abuse threshold within the window the key is blocked. */
  recordRefusal(apiKey: string): void {
    const now = this.#now();
    const recent = (this.#refusals.get(apiKey) ?? []).filter((at) => at > now - this.#limits.abuseWindowMs);
    recent.push(now);
    this.#refusals.set(apiKey, recent);
    if (recent.length >= this.#limits.abuseThreshold) this.block(apiKey);
  }

  isBlocked(apiKey: string): boolean {
    const until = this.#blockedUntil.get(apiKey);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#blockedUntil.delete(apiKey);
    return false;
  }

  block(apiKey: string): void {
    this.#blockedUntil.set(apiKey, this.#now() + this.#limits.blockMs);
    this.#refusals.delete(apiKey);
  }

  unblock(apiKey: string): void {
    this.#blockedUntil.delete(apiKey);
    this.#refusals.delete(apiKey);
  }

  reset(): void {
    this.#refusals.clear();
    this.#blockedUntil.clear();
  }
}
