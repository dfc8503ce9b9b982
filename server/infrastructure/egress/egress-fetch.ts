import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { EgressRefusedError, type EgressPolicy } from './egress-policy.ts';

const MAX_REDIRECTS = 5;

/**
 * `fetch` under the egress policy: the URL is checked before the request, the address its host
 * resolves to is checked when the socket connects (so a name that resolves to a public address
 * for the check and an internal one for the request gets nowhere), and redirects are followed
 * only within the same origin.
 */
export function createEgressFetch(policy: EgressPolicy): typeof fetch {
  const connectTo = buildConnector({});
  const dispatcher = new Agent({
    connect(options, callback) {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      policy.connectAddress(options.hostname, port).then(
        // The original host stays the TLS server name: only the socket goes to the checked address.
        (address) => connectTo({ ...options, hostname: address }, callback),
        (error: unknown) => callback(error as Error, null),
      );
    },
  });

  const egressFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = policy.checkUrl(input instanceof Request ? input.url : input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let redirects = 0; ; redirects += 1) {
      const response = (await undiciFetch(url, {
        ...(init as object),
        method,
        body: body as never,
        redirect: 'manual',
        dispatcher,
      })) as unknown as Response;
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || response.status === 304 || !location) {
        return response;
      }
      await response.body?.cancel();
      const next = URL.canParse(location, url) ? new URL(location, url) : null;
      if (!next || next.origin !== url.origin) {
        throw new EgressRefusedError(
          `${url.host} redirected to another address${next ? ` (${next.host})` : ''}; Propsync follows redirects only within the same origin`,
        );
      }
      if (redirects >= MAX_REDIRECTS) throw new EgressRefusedError(`${url.host} redirected too many times`);
      // As browsers do: 303 (and 301/302 after a POST) continue as a GET without the body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
      url = policy.checkUrl(next);
    }
  };
  return egressFetch as typeof fetch;
}

/** The policy's refusal behind a failed fetch (undici wraps connect errors in `TypeError: fetch failed`). */
export function egressRefusalOf(error: unknown): EgressRefusedError | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof EgressRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
