import type { Request, RequestHandler, Response } from 'express';
import { SeededRandom } from './seeded-random.ts';

/** Standing faults applied to every matching request. */
export interface FaultSettings {
  /** Added before the request is handled. */
  latencyMs: number;
  /** Extra random latency in [0, latencyJitterMs]. */
  latencyJitterMs: number;
  /** Share of requests (0..1) answered with a status drawn from `errorStatuses`. */
  errorRate: number;
  errorStatuses: number[];
  /** Share of requests held open and never answered, until the client gives up. */
  timeoutRate: number;
  /** Share of requests whose connection is destroyed without an answer. */
  dropRate: number;
}

/** Restricts a one-shot fault to some requests, e.g. `{ method: 'PATCH', pathPrefix: '/contacts' }`. */
export interface FaultMatch {
  method?: string;
  pathPrefix?: string;
}

export type FaultAction =
  { kind: 'pass' } | { kind: 'status'; status: number } | { kind: 'timeout' } | { kind: 'drop' };

export interface FaultDecision {
  delayMs: number;
  action: FaultAction;
}

type OneShotKind = 'status' | 'timeout' | 'drop';
interface OneShot {
  kind: OneShotKind;
  status: number;
  remaining: number;
  match: FaultMatch;
}

/** What {@link FaultControls.snapshot} reports. */
export interface FaultSnapshot {
  settings: FaultSettings;
  pending: Array<{ kind: OneShotKind; remaining: number; match: FaultMatch; status?: number }>;
  revoked: string[];
  heldRequests: number;
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  timeoutRate: 0,
  dropRate: 0,
});

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.pathPrefix !== undefined && !path.startsWith(match.pathPrefix)) return false;
  return true;
}

function clampRate(rate: number | undefined, fallback: number): number {
  if (rate === undefined || Number.isNaN(rate)) return fallback;
  return Math.min(1, Math.max(0, rate));
}

/**
 * Fault injection for simulators, from tests (methods) or the demo (a control route). With the
 * same seed and the same request sequence, the same requests fail.
 */
export class FaultControls {
  #seed: number;
  #random: SeededRandom;
  #settings: FaultSettings = { ...NO_FAULTS, errorStatuses: [...NO_FAULTS.errorStatuses] };
  #oneShots: OneShot[] = [];
  #revoked = new Set<string>();
  #held = new Set<Response>();
  #lost: Array<{ remaining: number; match: FaultMatch }> = [];

  constructor(options: { seed?: number } = {}) {
    this.#seed = options.seed ?? 1;
    this.#random = new SeededRandom(this.#seed);
  }

  /** Merges standing fault settings; omitted fields keep their value. */
  configure(settings: Partial<FaultSettings>): void {
    const next = { ...this.#settings, ...settings };
    next.latencyMs = Math.max(0, next.latencyMs);
    next.latencyJitterMs = Math.max(0, next.latencyJitterMs);
    next.errorRate = clampRate(settings.errorRate, this.#settings.errorRate);
    next.timeoutRate = clampRate(settings.timeoutRate, this.#settings.timeoutRate);
    next.dropRate = clampRate(settings.dropRate, this.#settings.dropRate);
    if (next.errorStatuses.length === 0) next.errorStatuses = [...NO_FAULTS.errorStatuses];
    this.#settings = next;
  }

  /** Answers the next `count` matching requests with `status`. */
  failNext(count: number, status: number, match: FaultMatch = {}): void {
    this.#oneShots.push({ kind: 'status', status, remaining: count, match });
  }

  /** Holds the next `count` matching requests open without answering. */
  timeoutNext(count: number, match: FaultMatch = {}): void {
    this.#oneShots.push({ kind: 'timeout', status: 0, remaining: count, match });
  }

  /** Destroys the connection of the next `count` matching requests. */
  dropNext(count: number, match: FaultMatch = {}): void {
    this.#oneShots.push({ kind: 'drop', status: 0, remaining: count, match });
  }

  /**
   * The next `count` matching requests are handled (a write commits) but their answer never
   * reaches the client: exactly the case an idempotency key must survive. Matched against the
   * full path, as the request log records it.
   */
  loseNextResponse(count: number, match: FaultMatch = {}): void {
    this.#lost.push({ remaining: count, match });
  }

  /** Whether this request's answer is to be lost (consumes one of {@link loseNextResponse}'s). */
  takeLostResponse(method: string, fullPath: string): boolean {
    const hit = this.#lost.find((lost) => matches(lost.match, method, fullPath));
    if (hit === undefined) return false;
    hit.remaining--;
    if (hit.remaining <= 0) this.#lost.splice(this.#lost.indexOf(hit), 1);
    return true;
  }

  /** Marks a credential (client id, API key id…) revoked; simulators check {@link isRevoked}. */
  revokeCredential(id: string): void {
    this.#revoked.add(id);
  }

  restoreCredential(id: string): void {
    this.#revoked.delete(id);
  }

  isRevoked(id: string): boolean {
    return this.#revoked.has(id);
  }

  /** Removes every fault, revocations included, and restarts the random sequence. */
  clear(): void {
    this.#settings = { ...NO_FAULTS, errorStatuses: [...NO_FAULTS.errorStatuses] };
    this.#oneShots = [];
    this.#lost = [];
    this.#revoked.clear();
    this.#random = new SeededRandom(this.#seed);
  }

  /** A JSON-friendly view for control routes and logs. */
  snapshot(): FaultSnapshot {
    return {
      settings: { ...this.#settings, errorStatuses: [...this.#settings.errorStatuses] },
      pending: this.#oneShots.map((shot) => ({
        kind: shot.kind,
        remaining: shot.remaining,
        match: { ...shot.match },
        ...(shot.kind === 'status' ? { status: shot.status } : {}),
      })),
      revoked: [...this.#revoked],
      heldRequests: this.#held.size,
    };
  }

  /** What to do with one request. Always draws the same amount of randomness, to stay reproducible. */
  decide(method: string, path: string): FaultDecision {
    const settings = this.#settings;
    const jitterRoll = this.#random.next();
    const dropRoll = this.#random.next();
    const timeoutRoll = this.#random.next();
    const errorRoll = this.#random.next();
    const statusRoll = this.#random.next();
    const delayMs = settings.latencyMs + Math.round(jitterRoll * settings.latencyJitterMs);

    const shot = this.#oneShots.find((candidate) => matches(candidate.match, method, path));
    if (shot !== undefined) {
      shot.remaining--;
      if (shot.remaining <= 0) this.#oneShots.splice(this.#oneShots.indexOf(shot), 1);
      if (shot.kind === 'status') return { delayMs, action: { kind: 'status', status: shot.status } };
      return { delayMs, action: { kind: shot.kind } };
    }
    if (dropRoll < settings.dropRate) return { delayMs, action: { kind: 'drop' } };
    if (timeoutRoll < settings.timeoutRate) return { delayMs, action: { kind: 'timeout' } };
    if (errorRoll < settings.errorRate) {
      const statuses = settings.errorStatuses;
      const status = statuses[Math.floor(statusRoll * statuses.length)] ?? 500;
      return { delayMs, action: { kind: 'status', status } };
    }
    return { delayMs, action: { kind: 'pass' } };
  }

  /** Bookkeeping for held requests (used by the middleware). */
  hold(response: Response): void {
    this.#held.add(response);
    response.once('close', () => this.#held.delete(response));
  }
}

export interface FaultMiddlewareOptions {
  /** Writes an injected error in the CRM's own error shape. */
  sendError: (request: Request, response: Response, status: number) => void;
}

/**
 * Applies {@link FaultControls} to requests: waits the latency, then answers with an error,
 * holds the request, destroys the socket, or passes it on (its answer then lost when asked).
 */
export function faultMiddleware(faults: FaultControls, options: FaultMiddlewareOptions): RequestHandler {
  return (request, response, next) => {
    if (faults.takeLostResponse(request.method, request.originalUrl.split('?')[0] ?? '')) {
      response.end = (() => {
        request.socket.destroy();
        return response;
      }) as typeof response.end;
    }
    const decision = faults.decide(request.method, request.path);
    const act = (): void => {
      // The client may have given up during the latency.
      if (response.destroyed || response.writableEnded) return;
      const action = decision.action;
      switch (action.kind) {
        case 'pass':
          next();
          return;
        case 'status':
          options.sendError(request, response, action.status);
          return;
        case 'timeout':
          faults.hold(response);
          return;
        case 'drop':
          request.socket.destroy();
          return;
      }
    };
    if (decision.delayMs > 0) setTimeout(act, decision.delayMs);
    else act();
  };
}
