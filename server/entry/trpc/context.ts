import type { AgencySession, HostSession } from '../../application/auth/embed-token.ts';
import type { Services } from '../services.ts';

export type TrpcContext = {
  services: Services;
  /** An embed token's agency session, or a host token's; null when no valid token came. */
  session: AgencySession | HostSession | null;
  /** Why the token that came was refused, for the 401's message. */
  authProblem: string | null;
};

/** Builds a context without HTTP, so tests can call procedures through `createCaller`. */
export function createContextInner(
  services: Services,
  session: AgencySession | HostSession | null,
  authProblem: string | null = null,
): TrpcContext {
  return { services, session, authProblem };
}

export async function createContextFromAuthorizationHeader(
  services: Services,
  header: string | undefined,
): Promise<TrpcContext> {
  if (!header) return createContextInner(services, null);
  if (!/^Bearer\s+\S/i.test(header)) {
    return createContextInner(services, null, 'Send the token as "Authorization: Bearer <token>"');
  }
  const check = await services.tokens.check(header.replace(/^Bearer\s+/i, '').trim());
  return check.ok
    ? createContextInner(services, check.session)
    : createContextInner(services, null, check.problem);
}
