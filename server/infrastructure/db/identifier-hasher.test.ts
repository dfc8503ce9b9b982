import { describe, expect, it } from 'vitest';
import { identifierHasher } from './identifier-hasher.ts';

/**
 * Tombstones already stored must keep matching: the hashes are those the first version of the
 * hasher wrote (HMAC-SHA256 under the derived key, base64url), whatever the implementation.
 */
describe('the erasure identifier hasher', () => {
  it('gives the hashes stored tombstones were written with', () => {
    const hash = identifierHasher('tombstone-test-secret');
    expect(hash({ kind: 'email', value: 'ada@example.com' })).toBe(
      '8KYeGxirW9F9rAjT7Fpjn1GcBG6ZQOmDzURE3UUR0Yc',
    );
    expect(hash({ kind: 'phone', value: '+447700900123' })).toBe(
      'IibnQB_vP-5Jlp9N4mYt3ziOi_4I00vjtgsWetfUvuM',
    );
    // Many hashes under one hasher: the key is reused, never spent.
    for (let index = 0; index < 3; index++) {
      expect(hash({ kind: 'record', value: 'reapit:RPT1' })).toBe(
        'odmblmsBK6RBShiroHcVFgP3nd6mVL5PgL6SLcxojf0',
      );
    }
  });
});
