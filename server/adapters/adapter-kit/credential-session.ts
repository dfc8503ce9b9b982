/** An access grant obtained from a provider's auth endpoint. */
export type AccessGrant = {
  accessToken: string;
  /** Epoch milliseconds; null for credentials that do not expire (API keys, Street tokens). */
  expiresAt: number | null;
  refreshToken?: string | null;
  /** When it was obtained (epoch ms), so every process judges "expires soon" alike. */
  obtainedAt?: number;
};

/**
 * Where a connection's grant is shared between processes. `refreshExclusively` holds the
 * connection's refresh lock across every process: it re-reads the stored grant, returns it when
 * `reuse` accepts it (another process refreshed meanwhile), and otherwise runs `refresh` and saves
 * its result (a rotated refresh token included) before handing it back.
 */
export interface SharedGrantStore {
  load(): Promise<AccessGrant | null>;
  /**
   * The stored form of a grant, for a caller that writes it together with the credentials it
   * belongs to (one statement: no moment where the row holds credentials without their grant).
   */
  seal(grant: AccessGrant, organisationId: string): string;
  refreshExclusively(
    reuse: (stored: AccessGrant | null) => AccessGrant | null,
    refresh: (stored: AccessGrant | null) => Promise<AccessGrant>,
  ): Promise<AccessGrant>;
}

/**
 * The credential lifecycle for one connection: one exchange in flight at a time (per process, and
 * across processes when a shared store is given), a refresh shortly before expiry, and
 * `invalidate()` for the single re-authentication the HTTP layer makes on a 401.
 */
export class CredentialSession {
  readonly #exchange: (previous: AccessGrant | null) => Promise<AccessGrant>;
  readonly #store: SharedGrantStore | null;
  readonly #now: () => number;
  #grant: AccessGrant | null = null;
  /** The token the CRM refused: never reused from the store, however fresh it looks. */
  #rejected: string | null = null;
  #inFlight: Promise<AccessGrant> | null = null;

  constructor(
    exchange: (previous: AccessGrant | null) => Promise<AccessGrant>,
    options: { store?: SharedGrantStore | null; now?: () => number } = {},
  ) {
    this.#exchange = exchange;
    this.#store = options.store ?? null;
    this.#now = options.now ?? Date.now;
  }

  /** The grant held in memory, if any (e.g. the one obtained while verifying new credentials). */
  get current(): AccessGrant | null {
    return this.#grant;
  }

  async grant(): Promise<AccessGrant> {
    if (this.#grant && !this.#expiresSoon(this.#grant)) return this.#grant;
    this.#inFlight ??= this.#obtain().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  invalidate(rejected: AccessGrant): void {
    this.#rejected = rejected.accessToken;
    if (this.#grant?.accessToken === rejected.accessToken) this.#grant = null;
  }

  async #obtain(): Promise<AccessGrant> {
    const usable = (grant: AccessGrant | null) =>
      grant && !this.#expiresSoon(grant) && grant.accessToken !== this.#rejected ? grant : null;
    let grant: AccessGrant;
    if (this.#store) {
      // Most of the time another process (or an earlier run of this one) already holds a good grant.
      grant =
        usable(await this.#store.load().catch(() => null)) ??
        (await this.#store.refreshExclusively(usable, (stored) =>
          this.#exchangeStamped(stored ?? this.#grant),
        ));
    } else {
      grant = await this.#exchangeStamped(this.#grant);
    }
    this.#grant = grant;
    this.#rejected = null;
    return grant;
  }

  async #exchangeStamped(previous: AccessGrant | null): Promise<AccessGrant> {
    const grant = await this.#exchange(previous);
    return { ...grant, obtainedAt: grant.obtainedAt ?? this.#now() };
  }

  /** Refresh ahead of expiry: five minutes before, or a tenth of the lifetime for short-lived tokens. */
  #expiresSoon(grant: AccessGrant): boolean {
    if (grant.expiresAt === null) return false;
    const obtainedAt = grant.obtainedAt ?? this.#now();
    const margin = Math.min(5 * 60_000, (grant.expiresAt - obtainedAt) / 10);
    return this.#now() >= grant.expiresAt - margin;
  }
}

/**
 * Headers of a form posted to an OAuth token or revocation endpoint by a client that authenticates
 * with HTTP Basic (RFC 6749 §2.3.1).
 */
export function clientFormHeaders(client: {
  clientId: string;
  clientSecret: string;
}): Record<string, string> {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  return { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' };
}
