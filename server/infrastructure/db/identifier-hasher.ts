import { createHmac, createSecretKey } from 'node:crypto';
import type { IdentifierHasher } from '../../core/ports/erasure-store.ts';

/**
 * Erasure tombstones' keyed hash: HMAC-SHA256 under a key derived from a server secret (the
 * embed-token secret), so the table is useless without the secret. Rotating that secret makes
 * existing tombstones unmatchable (README, "Erasure").
 */
export function identifierHasher(secret: string): IdentifierHasher {
  // One key object for every hash: given as bytes, each HMAC would build its own (measured: four
  // times the cost of the hash, the largest part of an importing worker's CPU).
  const key = createSecretKey(createHmac('sha256', secret).update('propsync erasure tombstones v1').digest());
  return ({ kind, value }) => createHmac('sha256', key).update(`${kind}\u0000${value}`).digest('base64url');
}
