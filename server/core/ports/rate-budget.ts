/**
 * A CRM customer's request budget, shared by every process that calls it (server and workers):
 * slots in a rolling window, requests in flight, a Retry-After hold and a daily count, all kept
 * per budget key. The pacer (`adapter-kit/request-pacer.ts`) asks for a slot before each request
 * and gives it back when the answer has arrived.
 */
export type BudgetLimits = {
  /** Requests per window. */
  requests: number;
  /** The documented window plus the pacer's margin: a request counts until this long after it finished. */
  windowMs: number;
  /** Writes per window, where the CRM documents a separate write budget (Street). */
  writeRequests?: number | undefined;
  /** Requests in flight at once across every process. */
  maxConcurrent?: number | undefined;
  /** Requests per UTC day. */
  dailyRequests?: number | undefined;
};

export type BudgetRequest = { key: string; write: boolean; limits: BudgetLimits };

export type BudgetDecision =
  | { granted: true; slotId: string }
  /** `waitMs`: when asking again may succeed (a daily refusal: when the UTC day ends). */
  | { granted: false; reason: 'held' | 'window' | 'in_flight' | 'daily'; waitMs: number };

export interface RateBudget {
  /** Takes a slot now if the budget allows, or says why not and for how long. */
  tryAcquire(request: BudgetRequest): Promise<BudgetDecision>;
  /** The request of this slot has its answer: it leaves the window a window from now. */
  release(key: string, slotId: string): Promise<void>;
  /** Holds every request of the key back for `ms` (a CRM's Retry-After). */
  holdFor(key: string, ms: number): Promise<void>;
  /** Requests counted so far this UTC day, per key (keys without any are absent). */
  requestsToday(keys: readonly string[]): Promise<Map<string, number>>;
}

/** Milliseconds until the current UTC day ends. */
export function msUntilUtcMidnight(now: number): number {
  const midnight = new Date(now);
  midnight.setUTCHours(24, 0, 0, 0);
  return midnight.getTime() - now;
}

/** When every counted request is still in flight, how soon to ask again. */
export const IN_FLIGHT_POLL_MS = 10;

/** What a budget key holds at one moment, as each implementation of `RateBudget` reads it. */
export type BudgetUsage = {
  /** How much longer a Retry-After holds the key (≤ 0: not held). */
  heldMs: number;
  requestsToday: number;
  msToDayEnd: number;
  /** Requests in flight, and finished less than a window ago. */
  inWindow: number;
  writesInWindow: number;
  inFlight: number;
  /** When the first finished request (of any kind, of the writes) leaves the window; null: none finished. */
  firstLeavesInMs: number | null;
  firstWriteLeavesInMs: number | null;
};

/** The one rule every budget applies: null when the request may go now, else why not and for how long. */
export function refusal(
  usage: BudgetUsage,
  { write, limits }: BudgetRequest,
): Extract<BudgetDecision, { granted: false }> | null {
  if (usage.heldMs > 0) return { granted: false, reason: 'held', waitMs: usage.heldMs };
  if (limits.dailyRequests !== undefined && usage.requestsToday >= limits.dailyRequests) {
    return { granted: false, reason: 'daily', waitMs: usage.msToDayEnd };
  }
  if (usage.inFlight >= (limits.maxConcurrent ?? Number.POSITIVE_INFINITY)) {
    return { granted: false, reason: 'in_flight', waitMs: IN_FLIGHT_POLL_MS };
  }
  const withinTotal = usage.inWindow < limits.requests;
  const withinWrites =
    !write || limits.writeRequests === undefined || usage.writesInWindow < limits.writeRequests;
  if (withinTotal && withinWrites) return null;
  // Until the first finished request of the exhausted budget leaves the window (all in flight: a moment).
  const leaves = withinTotal ? usage.firstWriteLeavesInMs : usage.firstLeavesInMs;
  return { granted: false, reason: 'window', waitMs: leaves === null ? IN_FLIGHT_POLL_MS : leaves + 1 };
}
