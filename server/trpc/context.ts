import type { AgencySession } from '../auth/embed-token.ts';
import type { Services } from '../services.ts';

export type TrpcContext = {
  services: Services;
  session: AgencySession | null;
  /** Why the request's token was refused, for the 401 (null when no token was sent). */
  authProblem?: string | null;
};

/** Builds a context without HTTP, so tests can call procedures through `createCaller`. */
export function createContextInner(
  services: Services,
  session: AgencySession | null,
  authProblem: string | null = null,
): TrpcContext {
  return { services, session, authProblem };
}

export async function createContextFromAuthorizationHeader(
  services: Services,
  header: string | undefined,
): Promise<TrpcContext> {
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
  if (!token) return createContextInner(services, null);
  const { session, problem } = await services.tokens.check(token);
  return createContextInner(services, session, problem);
}
