import { createPublicKey, type KeyObject } from 'node:crypto';
import { WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';

/**
 * A key id Reapit said it does not know is not asked about again for this long: a forger repeating
 * one made-up id costs one look-up, not one per delivery.
 */
export const UNKNOWN_KEY_TTL_MS = 10 * 60_000;
/**
 * At most this many key look-ups per connection in any {@link KEY_LOOKUP_WINDOW_MS}. Reapit rotates
 * its signing keys rarely, so a genuine delivery needs one look-up per new key; forged deliveries
 * with ever-new ids are refused without a request once the budget is spent, so they can never spend
 * the agency's Reapit quota (a genuine delivery refused meanwhile is redelivered by Reapit, and the
 * scheduled delta sync is the safety net).
 */
export const KEY_LOOKUPS_PER_WINDOW = 5;
export const KEY_LOOKUP_WINDOW_MS = 10 * 60_000;
/** Known keys kept per connection (a rotation adds one; more only under odd traffic). */
const MAX_KNOWN_KEYS = 32;

/** The answer of one look-up: the key, or null when Reapit does not know the id. */
export type KeyLookup = (keyId: string) => Promise<{ kid: string; x: string } | null>;

/**
 * One connection's webhook signing keys: the ones Reapit confirmed, the ids it denied (for a while),
 * look-ups in flight (a burst with one id makes one request) and the look-up budget.
 */
export class ReapitSigningKeys {
  readonly #now: () => number;
  readonly #known = new Map<string, KeyObject>();
  readonly #unknownUntil = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<KeyObject | null>>();
  #lookups: number[] = [];

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async key(keyId: string, lookup: KeyLookup): Promise<KeyObject> {
    const known = this.#known.get(keyId);
    if (known) return known;
    const now = this.#now();
    const deniedUntil = this.#unknownUntil.get(keyId);
    if (deniedUntil !== undefined && deniedUntil > now) throw unknownKey(keyId);
    const pending = this.#inFlight.get(keyId);
    const key = await (pending ?? this.#lookUp(keyId, lookup, now));
    if (!key) throw unknownKey(keyId);
    return key;
  }

  #lookUp(keyId: string, lookup: KeyLookup, now: number): Promise<KeyObject | null> {
    this.#lookups = this.#lookups.filter((at) => at > now - KEY_LOOKUP_WINDOW_MS);
    if (this.#lookups.length >= KEY_LOOKUPS_PER_WINDOW) {
      throw new WebhookRefusedError(
        'key_lookup_limited',
        `Reapit webhook signed with key ${keyId}, which Propsync has not seen, while too many unknown keys were looked up: delivery refused`,
      );
    }
    this.#lookups.push(now);
    for (const [id, until] of this.#unknownUntil) if (until <= now) this.#unknownUntil.delete(id);
    const pending = lookup(keyId)
      .then((jwk) => {
        if (!jwk) {
          this.#unknownUntil.set(keyId, this.#now() + UNKNOWN_KEY_TTL_MS);
          return null;
        }
        const key = toPublicKey(jwk.x);
        if (!key) {
          this.#unknownUntil.set(keyId, this.#now() + UNKNOWN_KEY_TTL_MS);
          return null;
        }
        if (this.#known.size >= MAX_KNOWN_KEYS) this.#known.delete(this.#known.keys().next().value!);
        this.#known.set(keyId, key);
        return key;
      })
      .finally(() => this.#inFlight.delete(keyId));
    this.#inFlight.set(keyId, pending);
    return pending;
  }
}

/** Key material Node cannot read counts as no key (never an uncaught error). */
function toPublicKey(x: string): KeyObject | null {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return null;
  }
}

function unknownKey(keyId: string): WebhookRefusedError {
  return new WebhookRefusedError('unknown_key', `Reapit has no webhook signing key ${keyId}`);
}
