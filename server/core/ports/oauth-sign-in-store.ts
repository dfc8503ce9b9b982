import type { CrmProvider } from '../../../shared/providers.ts';

/** Where a sign-in returns, and for which agency and CRM. */
export type SignInReturn = { organisationId: string; provider: CrmProvider; returnTo: string };

/** A returned sign-in, taken to be finished; secrets as the vault sealed them. */
export type ReturnedSignIn = SignInReturn & {
  stateHash: string;
  connectionId: string | null;
  settings: Record<string, unknown>;
  sealedCodeVerifier: unknown;
  sealedAuthorizationCode: unknown;
};

/** OAuth sign-ins in progress, keyed by the hash of their `state`; each is used once. */
export interface OAuthSignInStore {
  start(signIn: {
    stateHash: string;
    organisationId: string;
    provider: CrmProvider;
    connectionId: string | null;
    settings: Record<string, unknown>;
    sealedCodeVerifier: unknown;
    returnTo: string;
    lifetimeMinutes: number;
  }): Promise<void>;
  /** Forgets the live, not yet returned sign-in (the CRM refused or sent no code); null when there is none. */
  abandon(stateHash: string): Promise<SignInReturn | null>;
  /** The live, not yet returned sign-in. */
  awaitingReturn(stateHash: string): Promise<SignInReturn | null>;
  /** Keeps the CRM's code for `finishWithinMinutes`; false when the sign-in was returned meanwhile. */
  markReturned(
    stateHash: string,
    returned: { completionHash: string; sealedAuthorizationCode: unknown; finishWithinMinutes: number },
  ): Promise<boolean>;
  /** Deletes and answers the agency's live returned sign-in with this completion hash. */
  takeReturned(completionHash: string, organisationId: string): Promise<ReturnedSignIn | null>;
  pruneExpired(): Promise<void>;
}
