import { TRPCClientError } from '@trpc/client';

/**
 * A call that never got an answer the page may read. Browsers hide why (a refused CORS preflight
 * and a server that is down look the same to `fetch`), so the reason comes from asking Propsync.
 */
export class PropsyncUnreachableError extends Error {
  override readonly name = 'PropsyncUnreachableError';
  /** `origin_refused`: Propsync answers, but not to this page's origin. */
  readonly reason: 'origin_refused' | 'unreachable';
  constructor(message: string, reason: 'origin_refused' | 'unreachable') {
    super(message);
    this.reason = reason;
  }
}

/** What went wrong, in the words the error carries: for a notice or a panel. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The diagnosed reason behind a failed call, when it never got an answer. */
export function unreachableCause(error: unknown): PropsyncUnreachableError | null {
  if (error instanceof PropsyncUnreachableError) return error;
  if (error instanceof TRPCClientError && error.cause instanceof PropsyncUnreachableError) return error.cause;
  return null;
}

/** Calls from this origin are refused by configuration: retrying or polling cannot help. */
export function isOriginRefused(error: unknown): boolean {
  return unreachableCause(error)?.reason === 'origin_refused';
}

/**
 * Errors that asking again cannot fix: bad input, a missing or expired token, forbidden, not
 * found, or a page whose origin Propsync does not allow.
 */
export function isClientError(error: unknown): boolean {
  if (isOriginRefused(error)) return true;
  if (!(error instanceof TRPCClientError)) return false;
  const status: unknown = error.data?.httpStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** The path that tells a page whether its origin may call the API (readable from any origin). */
const ORIGIN_CHECK_PATH = '/embed/origin';

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Where Propsync is, in words: the configured base URL or, for a same-origin embed, this page. */
function describeBase(baseUrl: string): string {
  return baseUrl !== '' ? baseUrl : typeof window === 'undefined' ? 'this address' : window.location.origin;
}

/** Why a call failed without an answer: this origin is refused, or Propsync cannot be reached. */
export async function diagnoseUnreachable(
  baseUrl: string,
  fetchImpl: Fetch,
): Promise<PropsyncUnreachableError> {
  const where = describeBase(baseUrl);
  try {
    const response = await fetchImpl(`${baseUrl}${ORIGIN_CHECK_PATH}`, { cache: 'no-store' });
    const answer = (await response.json()) as { allowed?: unknown; origin?: unknown };
    if (answer.allowed === false) {
      const origin = typeof answer.origin === 'string' ? answer.origin : 'this page';
      return new PropsyncUnreachableError(
        `Propsync at ${where} refused this origin (${origin}): add it to PROPSYNC_ALLOWED_ORIGINS`,
        'origin_refused',
      );
    }
  } catch {
    // Propsync did not answer the check either: it is down or the address is wrong.
  }
  return new PropsyncUnreachableError(
    `Propsync at ${where} cannot be reached: check the baseUrl given to PropsyncProvider, that the server is running, and that your page's Content-Security-Policy connect-src lists it`,
    'unreachable',
  );
}

/**
 * `fetch` for the tRPC link: a call that fails without an answer rejects with the diagnosed
 * reason instead of the browser's bare "Failed to fetch".
 */
export function createDiagnosingFetch(
  baseUrl: string,
  fetchImpl: Fetch = (input, init) => fetch(input, init),
): Fetch {
  return async (input, init) => {
    try {
      return await fetchImpl(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      throw await diagnoseUnreachable(baseUrl, fetchImpl);
    }
  };
}
