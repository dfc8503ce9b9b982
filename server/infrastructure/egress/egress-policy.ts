import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address is internal, in words an admin understands; `null` for a public address. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address (this server itself)',
  private: 'a private-network address',
  uniqueLocal: 'a private-network address',
  linkLocal: 'a link-local address (where cloud metadata services live)',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  unspecified: 'an unspecified address',
};

/**
 * Raised when the egress policy refuses a request. The message names the host as given and the
 * kind of address, never whether anything answers there (the refusal comes before connecting).
 */
export class EgressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

/** The range an address lies in (ipaddr.js names), with IPv4-mapped IPv6 seen as the IPv4 it maps. */
export function addressRange(address: string): string {
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  // IPv4-compatible IPv6 (`::127.0.0.1`, deprecated by RFC 4291) is plain "unicast" to ipaddr.js;
  // some stacks still route it to the IPv4 inside, so it is never a public address.
  if (range === 'unicast' && parsed.kind() === 'ipv6' && parsed.match(ipaddr.IPv6.parse('::'), 96))
    return 'reserved';
  return range;
}

/** Whether an address is publicly routable: anything but plain unicast (IPv4 or IPv6) is internal. */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

type AllowEntry =
  | { kind: 'host'; host: string; port: number | null }
  | { kind: 'range'; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port: number | null };

/**
 * Parses `PROPSYNC_EGRESS_ALLOW`: comma-separated host names, addresses or CIDR ranges an operator
 * lets Propsync reach although they are internal (development, on-premise CRMs), each optionally
 * with `:port` (`[v6]:port` for IPv6), e.g. `127.0.0.1:4101,10.20.0.0/16,crm.internal:8443`.
 */
export function parseEgressAllow(value: string | undefined): AllowEntry[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parsed = parseAllowEntry(entry);
      if (!parsed) {
        throw new Error(
          `Invalid configuration: PROPSYNC_EGRESS_ALLOW has "${entry}"; give host names, addresses or CIDR ranges, optionally with :port (e.g. 127.0.0.1:4101, 10.0.0.0/8, crm.internal)`,
        );
      }
      return parsed;
    });
}

function parseAllowEntry(entry: string): AllowEntry | null {
  if (entry.includes('/')) {
    try {
      const [address, bits] = ipaddr.parseCIDR(entry);
      return {
        kind: 'range',
        range: [ipaddr.process(address.toString()), rangeBits(address, bits)],
        port: null,
      };
    } catch {
      return null;
    }
  }
  let host = entry;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] === undefined ? null : Number(bracketed[2]);
  } else if (!ipaddr.IPv6.isValid(entry)) {
    const withPort = /^(.+):(\d+)$/.exec(entry);
    if (withPort) {
      host = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  if (port !== null && (port < 1 || port > 65535)) return null;
  if (ipaddr.isValid(host) && isIP(host) !== 0) {
    const address = ipaddr.process(host);
    return { kind: 'range', range: [address, address.kind() === 'ipv4' ? 32 : 128], port };
  }
  // Host names in WHATWG form, so they compare with URL.hostname.
  const canonical = URL.canParse(`http://${host}`) ? new URL(`http://${host}`).hostname : null;
  if (!canonical || canonical !== host.toLowerCase() || isIP(canonical) !== 0) return null;
  return { kind: 'host', host: canonical, port };
}

/** A CIDR of an IPv4-mapped range (`::ffff:10.0.0.0/104`) counts as the IPv4 range it maps. */
function rangeBits(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): number {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? bits - 96 : bits;
}

export type LookupAll = (hostname: string) => Promise<string[]>;

const systemLookup: LookupAll = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export type EgressPolicyOptions = {
  /** Only https leaves the process (production). */
  httpsOnly: boolean;
  /** `PROPSYNC_EGRESS_ALLOW`, parsed. */
  allow: AllowEntry[];
  /** Name resolution (tests replace it to prove the connect-time check). */
  lookup?: LookupAll;
};

/**
 * The one egress policy for every outbound call an admin-typed or configured address can steer
 * (CRM APIs, token endpoints, host webhooks): http(s) only (https only in production), and never
 * an internal address — loopback, private, link-local (cloud metadata), CGNAT, multicast and
 * every other non-public range, IPv4 and IPv6 — unless the operator allow-listed it.
 * `checkUrl` runs before a request, `connectAddress` on the resolved address at connect time
 * (safe against DNS rebinding), `vetUrl` when an address is saved.
 */
export class EgressPolicy {
  readonly #options: EgressPolicyOptions;

  constructor(options: EgressPolicyOptions) {
    this.#options = options;
  }

  get lookup(): LookupAll {
    return this.#options.lookup ?? systemLookup;
  }

  /** Scheme and literal-address checks, without name resolution. */
  checkUrl(target: string | URL): URL {
    const url = typeof target === 'string' && URL.canParse(target) ? new URL(target) : target;
    if (!(url instanceof URL))
      throw new EgressRefusedError(`"${String(target).slice(0, 100)}" is not an address`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new EgressRefusedError(`Propsync only calls http(s) addresses, not ${url.protocol}`);
    }
    if (this.#options.httpsOnly && url.protocol !== 'https:') {
      throw new EgressRefusedError(
        `Propsync only calls https addresses in production: use https://${url.host}`,
      );
    }
    if (url.username || url.password) {
      throw new EgressRefusedError('Addresses with a user name or password in them are refused');
    }
    const literal = literalAddress(url.hostname);
    if (literal) this.#checkAddress(url.hostname, portOf(url), literal);
    return url;
  }

  /**
   * Save time: the address's scheme and host, and every address its name resolves to now. A name
   * that does not resolve is refused too, since nothing could be delivered to it.
   */
  async vetUrl(target: string): Promise<URL> {
    const url = this.checkUrl(target);
    if (literalAddress(url.hostname)) return url;
    const addresses = await this.lookup(url.hostname).catch(() => []);
    if (addresses.length === 0) {
      throw new EgressRefusedError(`${url.hostname} could not be found: check the address`);
    }
    for (const address of addresses) this.#checkAddress(url.hostname, portOf(url), address);
    return url;
  }

  /**
   * Connect time: resolves `hostname` and answers the first address the policy allows, or refuses
   * (the same answer whether or not anything listens there).
   */
  async connectAddress(hostname: string, port: number): Promise<string> {
    const literal = literalAddress(hostname);
    const addresses = literal ? [literal] : await this.lookup(hostname);
    let refusal: EgressRefusedError | null = null;
    for (const address of addresses) {
      try {
        this.#checkAddress(hostname, port, address);
        return ipaddr.parse(address).toString();
      } catch (error) {
        refusal ??= error as EgressRefusedError;
      }
    }
    throw refusal ?? new EgressRefusedError(`${hostname} could not be found`);
  }

  #checkAddress(hostname: string, port: number, address: string): void {
    if (!ipaddr.isValid(address)) throw new EgressRefusedError(`${hostname} did not resolve to an address`);
    const range = addressRange(address);
    if (range === 'unicast' || this.#allowed(hostname, port, address)) return;
    const what = RANGE_WORDS[range] ?? 'a reserved address';
    const shown = hostname.replace(/^\[|\]$/g, '');
    throw new EgressRefusedError(
      `Propsync does not call internal addresses: ${shown} is ${ipaddr.isValid(shown) ? '' : 'at '}${what}. An operator can allow it with PROPSYNC_EGRESS_ALLOW`,
    );
  }

  #allowed(hostname: string, port: number, address: string): boolean {
    const parsed = ipaddr.process(address);
    const name = hostname.toLowerCase();
    return this.#options.allow.some((entry) => {
      if (entry.port !== null && entry.port !== port) return false;
      if (entry.kind === 'host') return entry.host === name;
      return parsed.kind() === entry.range[0].kind() && parsed.match(entry.range);
    });
  }
}

/** The policy a deployment runs with: https only in production, internal ranges only if allowed. */
export function egressPolicyFromConfig(config: {
  environment: string;
  egressAllow: string | undefined;
}): EgressPolicy {
  return new EgressPolicy({
    httpsOnly: config.environment === 'production',
    allow: parseEgressAllow(config.egressAllow),
  });
}

/** The IP address a WHATWG host names (`[::1]` or a canonical dotted IPv4), or null for a name. */
function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 ? bare : null;
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
