import {
  msUntilUtcMidnight,
  refusal,
  type BudgetDecision,
  type BudgetRequest,
  type RateBudget,
} from '../../core/ports/rate-budget.ts';

type Slot = { id: number; at: number; done: boolean; write: boolean };
type KeyState = { slots: Slot[]; heldUntil: number; day: number; dayRequests: number };

/**
 * The budget of one process only: what unit tests and the simulator sandbox use, and what a
 * resolver without a shared budget falls back to. The same rule (`refusal`) as the PostgreSQL budget.
 */
export class InMemoryRateBudget implements RateBudget {
  readonly #keys = new Map<string, KeyState>();
  #nextId = 1;

  async tryAcquire(request: BudgetRequest): Promise<BudgetDecision> {
    const now = Date.now();
    const state = this.#state(request.key);
    const { windowMs } = request.limits;
    // Requests still in flight always count; finished ones until a window after they finished.
    state.slots = state.slots.filter((slot) => !slot.done || slot.at > now - windowMs);
    const leaves = (slots: Slot[]) => {
      const finished = slots.filter((slot) => slot.done);
      return finished.length === 0 ? null : Math.min(...finished.map((slot) => slot.at)) + windowMs - now;
    };
    const writes = state.slots.filter((slot) => slot.write);
    const today = utcDay(now);
    const requestsToday = state.day === today ? state.dayRequests : 0;
    const refused = refusal(
      {
        heldMs: state.heldUntil - now,
        requestsToday,
        msToDayEnd: msUntilUtcMidnight(now),
        inWindow: state.slots.length,
        writesInWindow: writes.length,
        inFlight: state.slots.filter((slot) => !slot.done).length,
        firstLeavesInMs: leaves(state.slots),
        firstWriteLeavesInMs: leaves(writes),
      },
      request,
    );
    if (refused) return refused;
    const slot: Slot = { id: this.#nextId++, at: now, done: false, write: request.write };
    state.slots.push(slot);
    state.day = today;
    state.dayRequests = requestsToday + 1;
    return { granted: true, slotId: String(slot.id) };
  }

  async release(key: string, slotId: string): Promise<void> {
    const slot = this.#keys.get(key)?.slots.find((candidate) => String(candidate.id) === slotId);
    if (!slot) return;
    slot.at = Date.now();
    slot.done = true;
  }

  async holdFor(key: string, ms: number): Promise<void> {
    const state = this.#state(key);
    state.heldUntil = Math.max(state.heldUntil, Date.now() + ms);
  }

  async requestsToday(keys: readonly string[]): Promise<Map<string, number>> {
    const today = utcDay(Date.now());
    const usage = new Map<string, number>();
    for (const key of keys) {
      const state = this.#keys.get(key);
      if (state?.day === today && state.dayRequests > 0) usage.set(key, state.dayRequests);
    }
    return usage;
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (!state) {
      state = { slots: [], heldUntil: 0, day: 0, dayRequests: 0 };
      this.#keys.set(key, state);
    }
    return state;
  }
}

function utcDay(now: number): number {
  return Math.floor(now / 86_400_000);
}
