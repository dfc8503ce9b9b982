/** An access grant obtained from a provider's auth endpoint. */
export type AccessGrant = {
  accessToken: string;
  /** Epoch milliseconds; null for credentials that do not expire (API keys, Street tokens). */
  expiresAt: number | null;
  refreshToken?: string | null;
};

/**
 * The credential lifecycle for one connection: one exchange in flight at a time, a refresh shortly
 * before expiry, and `invalidate()` for the single re-authentication the HTTP layer makes on a 401.
 */
export class CredentialSession {
  readonly #exchange: () => Promise<AccessGrant>;
  readonly #now: () => number;
  #grant: AccessGrant | null = null;
  #obtainedAt = 0;
  #inFlight: Promise<AccessGrant> | null = null;

  constructor(exchange: () => Promise<AccessGrant>, now: () => number = Date.now) {
    this.#exchange = exchange;
    this.#now = now;
  }

  async grant(): Promise<AccessGrant> {
    if (this.#grant && !this.#expiresSoon(this.#grant)) return this.#grant;
    this.#inFlight ??= this.#exchange()
      .then((grant) => {
        this.#grant = grant;
        this.#obtainedAt = this.#now();
        return grant;
      })
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }

  invalidate(rejected: AccessGrant): void {
    if (this.#grant === rejected) this.#grant = null;
  }

  /** Refresh ahead of expiry: five minutes before, or a tenth of the lifetime for short-lived tokens. */
  #expiresSoon(grant: AccessGrant): boolean {
    if (grant.expiresAt === null) return false;
    const margin = Math.min(5 * 60_000, (grant.expiresAt - this.#obtainedAt) / 10);
    return this.#now() >= grant.expiresAt - margin;
  }
}
