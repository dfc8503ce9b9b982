import { timingSafeEqual } from 'node:crypto';
import type { FaultControls } from '../toolkit/fault-controls.ts';
import type { StreetApiToken } from './street-constants.ts';

export type BearerCheck =
  { ok: true; token: StreetApiToken } | { ok: false; reason: 'missing' | 'unknown' | 'revoked' };

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Street's bearer tokens: long-lived, created by an agency admin, never refreshed. Revocation goes
 * through the shared fault controls (keyed by token id) so tests and the demo revoke in one place.
 */
export class StreetAuth {
  readonly #tokens: Map<string, StreetApiToken>;
  readonly #faults: FaultControls;

  constructor(options: { tokens: readonly StreetApiToken[]; faults: FaultControls }) {
    this.#tokens = new Map(options.tokens.map((token) => [token.tokenId, { ...token }]));
    this.#faults = options.faults;
  }

  get tokens(): StreetApiToken[] {
    return [...this.#tokens.values()].map((token) => ({ ...token }));
  }

  has(tokenId: string): boolean {
    return this.#tokens.has(tokenId);
  }

  /** Checks `Authorization: Bearer <tokenId>|<secret>`. */
  check(header: string | undefined): BearerCheck {
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (match === null) return { ok: false, reason: 'missing' };
    const presented = match[1] as string;
    const tokenId = presented.split('|')[0] ?? '';
    const token = this.#tokens.get(tokenId);
    if (token === undefined || !safeEqual(presented, token.apiToken)) return { ok: false, reason: 'unknown' };
    if (this.#faults.isRevoked(token.tokenId)) return { ok: false, reason: 'revoked' };
    return { ok: true, token };
  }
}
