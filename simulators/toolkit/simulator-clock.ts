/**
 * A clock simulators read instead of Date.now(), so tests can expire tokens or move past a sync
 * cursor without sleeping. `advance` shifts it forward; the base clock can be injected.
 */
export interface SimulatorClock {
  /** Milliseconds since the epoch, as the simulator sees it. */
  now(): number;
  /** Moves the simulated time forward (or back, with a negative value). */
  advance(milliseconds: number): void;
  /** Drops any `advance` offset. */
  reset(): void;
  readonly offsetMs: number;
}

export function createSimulatorClock(base: () => number = Date.now): SimulatorClock {
  let offsetMs = 0;
  return {
    now: () => base() + offsetMs,
    advance(milliseconds) {
      offsetMs += milliseconds;
    },
    reset() {
      offsetMs = 0;
    },
    get offsetMs() {
      return offsetMs;
    },
  };
}
