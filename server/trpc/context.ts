import type { AgencySession } from '../auth/embed-token.ts';
import type { Services } from '../services.ts';

export type TrpcContext = { services: Services; session: AgencySession | null };

/** Builds a context without HTTP, so tests can call procedures through `createCaller`. */
export function createContextInner(services: Services, session: AgencySession | null): TrpcContext {
  return { services, session };
}

export async function createContextFromAuthorizationHeader(
  services: Services,
  header: string | undefined,
): Promise<TrpcContext> {
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
  const session = token ? await services.tokens.verify(token) : null;
  return createContextInner(services, session);
}
