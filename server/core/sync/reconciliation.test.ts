import { describe, expect, it } from 'vitest';
import { decideReconciliation } from './reconciliation.ts';

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
