import { describe, expect, it } from 'vitest';
import { decideReconciliation, reconciliationRetryDelayMs } from './reconciliation.ts';

const listing = (ids: string[], complete = true) => ({ complete, listed: new Set(ids) });

describe('decideReconciliation', () => {
  it('counts a first miss and deactivates nothing', () => {
    expect(decideReconciliation([{ externalId: 'a', misses: 0 }], listing(['b']))).toEqual({
      deactivate: [],
      misses: [{ externalId: 'a', misses: 1 }],
    });
  });

  it('deactivates on the second consecutive miss and resets the count', () => {
    expect(decideReconciliation([{ externalId: 'a', misses: 1 }], listing([]))).toEqual({
      deactivate: ['a'],
      misses: [{ externalId: 'a', misses: 0 }],
    });
  });

  it('resets the count of a record listed again, and leaves listed records without misses alone', () => {
    expect(
      decideReconciliation(
        [
          { externalId: 'a', misses: 1 },
          { externalId: 'b', misses: 0 },
        ],
        listing(['a', 'b']),
      ),
    ).toEqual({ deactivate: [], misses: [{ externalId: 'a', misses: 0 }] });
  });

  it('changes nothing on a failed or partial listing, however many records it missed', () => {
    expect(
      decideReconciliation(
        [
          { externalId: 'a', misses: 1 },
          { externalId: 'b', misses: 0 },
        ],
        listing([], false),
      ),
    ).toEqual({ deactivate: [], misses: [] });
  });
});

describe('reconciliationRetryDelayMs', () => {
  const MINUTE = 60_000;
  const DAY = 24 * 60 * MINUTE;

  it('retries after minutes, doubling with each failure in a row, capped at 4 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 60].map((failures) => reconciliationRetryDelayMs(failures, DAY))).toEqual(
      [5, 10, 20, 40, 80, 160, 240, 240, 240].map((minutes) => minutes * MINUTE),
    );
  });

  it('always retries well before the next regular run would come', () => {
    for (const intervalMs of [36_000, 30 * MINUTE, 60 * MINUTE, 6 * 60 * MINUTE, DAY, 30 * DAY]) {
      for (let failures = 1; failures <= 20; failures++) {
        expect(reconciliationRetryDelayMs(failures, intervalMs)).toBeLessThanOrEqual(intervalMs / 2);
      }
    }
    expect(reconciliationRetryDelayMs(3, 60 * MINUTE)).toBe(20 * MINUTE);
    expect(reconciliationRetryDelayMs(4, 60 * MINUTE)).toBe(30 * MINUTE);
  });
});
