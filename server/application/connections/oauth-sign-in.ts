import { createHash, randomBytes } from 'node:crypto';
import type { ConnectionSummary } from '../../../shared/connection.ts';
import type { CrmProvider } from '../../../shared/providers.ts';
import type { OAuthApp } from '../../adapters/adapter-definition.ts';
import type { AdapterResolver } from '../../adapters/adapter-resolver.ts';
import { providerDisplayName } from '../../adapters/registry.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { OAuthSignInStore } from '../../core/ports/oauth-sign-in-store.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import type { ConnectionService } from './connection-service.ts';

/** How long the admin has to sign in at the CRM and come back. */
const SIGN_IN_LIFETIME_MINUTES = 10;

/** Where the CRM sends the admin's browser back to (registered with each CRM's app). */
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

/** After the CRM answers, the page must finish the sign-in within this. */
const FINISH_WITHIN_MINUTES = 5;

/**
 * What the page the sign-in started on gets back: `propsync_oauth` (returned, denied or failed),
 * `propsync_provider` (the provider id), and `propsync_sign_in` (returned: the one-time id the page
 * passes to `connections.finishOAuth`) or `propsync_oauth_error` (failed: the CRM's error code).
 */
export const RETURN_STATUS_PARAM = 'propsync_oauth';
export const RETURN_PROVIDER_PARAM = 'propsync_provider';
export const RETURN_SIGN_IN_PARAM = 'propsync_sign_in';
export const RETURN_ERROR_PARAM = 'propsync_oauth_error';

/**
 * Connecting a CRM by OAuth redirect (authorization code with PKCE): `start` remembers the
 * sign-in and answers the CRM's authorize URL; `returned` takes the CRM's redirect back and sends
 * the browser to the page it started on; `finish`, called there with the agency's own session,
 * exchanges the code and connects (or reconnects) exactly as the credentials form would.
 */
export class OAuthSignIn {
  readonly #store: OAuthSignInStore;
  readonly #vault: CredentialVault;
  readonly #adapters: AdapterResolver;
  readonly #connections: ConnectionService;
  readonly #apps: Readonly<Record<string, OAuthApp>>;
  readonly #redirectUri: string;
  readonly #returnOrigins: ReadonlySet<string>;
  readonly #logger: Logger;

  constructor(deps: {
    store: OAuthSignInStore;
    vault: CredentialVault;
    adapters: AdapterResolver;
    connections: ConnectionService;
    /** Propsync's app registered with each CRM, by provider id. */
    apps: Readonly<Record<string, OAuthApp>>;
    publicUrl: string;
    /** Origins a sign-in may return to besides Propsync's own (host applications). */
    returnOrigins: readonly string[];
    logger: Logger;
  }) {
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#adapters = deps.adapters;
    this.#connections = deps.connections;
    this.#apps = deps.apps;
    const publicUrl = deps.publicUrl.replace(/\/$/, '');
    this.#redirectUri = `${publicUrl}${OAUTH_CALLBACK_PATH}`;
    this.#returnOrigins = new Set([...sameHostOrigins(new URL(publicUrl)), ...deps.returnOrigins]);
    for (const provider of Object.keys(deps.apps)) {
      // A typo would silently hide "Sign in with …": refuse to start instead.
      if (!deps.adapters.supportsOAuth(provider)) {
        throw new Error(
          `Invalid configuration: PROPSYNC_OAUTH_APPS names "${provider}", which is not a registered CRM offering sign-in by redirect`,
        );
      }
    }
    this.#logger = deps.logger;
  }

  /** Whether an admin can connect this CRM by signing in (the CRM offers it and an app is set up). */
  isAvailable(provider: CrmProvider): boolean {
    return this.#adapters.supportsOAuth(provider) && Object.hasOwn(this.#apps, provider);
  }

  async start(
    organisationId: string,
    input: {
      provider: CrmProvider;
      settings: Record<string, unknown>;
      returnTo: string;
      /** Reconnecting this connection rather than creating one. */
      connectionId?: string;
    },
  ): Promise<{ authorizeUrl: string }> {
    const { provider } = input;
    const app = this.#apps[provider];
    if (!app || !this.#adapters.supportsOAuth(provider)) {
      throw new PropsyncError(
        'OAUTH.UNAVAILABLE',
        `Signing in with ${providerDisplayName(provider)} is not set up on this Propsync: connect it with its credentials`,
      );
    }
    const returnTo = this.#checkedReturnUrl(input.returnTo);
    if (!input.connectionId) await this.#connections.assertNotConnected(organisationId, provider);
    await this.#pruneExpired();
    // The admin chooses only what the CRM allows (e.g. the customer id), keeping what the connection
    // had when signing in again; addresses come from the app alone, so its secret goes nowhere else.
    const chosen = (source: Record<string, unknown>) =>
      pickDefined(source, this.#adapters.oauthAdminSettings(provider));
    const existing = input.connectionId
      ? await this.#connections.settings(organisationId, input.connectionId)
      : {};
    const settings = this.#adapters.parseSettings(provider, {
      ...app.settings,
      ...chosen(existing),
      ...chosen(input.settings),
    });
    const state = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(48).toString('base64url');
    const stateHash = hash(state);
    await this.#store.start({
      stateHash,
      organisationId,
      provider,
      connectionId: input.connectionId ?? null,
      settings,
      sealedCodeVerifier: this.#vault.encrypt(codeVerifier, this.#binding(organisationId, stateHash)),
      returnTo,
      lifetimeMinutes: SIGN_IN_LIFETIME_MINUTES,
    });
    const authorizeUrl = this.#adapters.authorizeUrl(provider, settings, {
      clientId: app.clientId,
      redirectUri: this.#redirectUri,
      state,
      codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    });
    this.#logger.info({ organisationId, provider }, 'OAuth sign-in started');
    return { authorizeUrl };
  }

  /**
   * The CRM's redirect back (`/oauth/callback`). Nothing is connected here: the code is kept
   * (encrypted) and the browser goes back to the page the sign-in started on with a one-time id,
   * where the agency's own admin session finishes it (`finish`). So a sign-in started by one agency
   * and allowed in somebody else's browser connects nothing. Throws OAUTH.SIGN_IN_EXPIRED when the
   * state is unknown, used or too old: there is then no page to return to.
   */
  async returned(query: { state?: string; code?: string; error?: string }): Promise<{ returnTo: string }> {
    if (!query.state) throw signInExpired();
    const stateHash = hash(query.state);
    if (query.error || !query.code) {
      const pending = await this.#store.abandon(stateHash);
      if (!pending) throw signInExpired();
      this.#logger.info(
        {
          organisationId: pending.organisationId,
          provider: pending.provider,
          error: query.error ?? 'no code',
        },
        'OAuth sign-in not completed at the CRM',
      );
      const denied = query.error === 'access_denied';
      return {
        returnTo: withParams(pending.returnTo, {
          [RETURN_STATUS_PARAM]: denied ? 'denied' : 'failed',
          [RETURN_PROVIDER_PARAM]: pending.provider,
          // Only an OAuth error code (letters and underscores) travels: the page words the message.
          ...(denied
            ? {}
            : { [RETURN_ERROR_PARAM]: (query.error ?? 'no_code').replace(/[^a-z_]/gi, '').slice(0, 40) }),
        }),
      };
    }
    const completionId = randomBytes(32).toString('base64url');
    // Marked as returned once: a replayed callback finds nothing.
    const pending = await this.#store.awaitingReturn(stateHash);
    if (!pending) throw signInExpired();
    const marked = await this.#store.markReturned(stateHash, {
      completionHash: hash(completionId),
      sealedAuthorizationCode: this.#vault.encrypt(
        query.code,
        this.#binding(pending.organisationId, stateHash),
      ),
      finishWithinMinutes: FINISH_WITHIN_MINUTES,
    });
    if (!marked) throw signInExpired();
    return {
      returnTo: withParams(pending.returnTo, {
        [RETURN_STATUS_PARAM]: 'returned',
        [RETURN_PROVIDER_PARAM]: pending.provider,
        [RETURN_SIGN_IN_PARAM]: completionId,
      }),
    };
  }

  /**
   * Finishes a sign-in the CRM returned, for the agency whose admin calls it (and only that one):
   * exchanges the code for credentials and connects, or reconnects, as the credentials form would.
   */
  async finish(
    organisationId: string,
    signInId: string,
  ): Promise<{ connection: ConnectionSummary; reconnected: boolean }> {
    const pending = await this.#store.takeReturned(hash(signInId), organisationId);
    if (!pending) throw signInExpired();
    const { provider } = pending;
    const binding = this.#binding(organisationId, pending.stateHash);
    const credentials = await this.#adapters.exchangeAuthorizationCode(
      provider,
      this.#apps[provider]!,
      pending.settings,
      {
        code: this.#vault.decrypt<string>(pending.sealedAuthorizationCode, binding),
        redirectUri: this.#redirectUri,
        codeVerifier: this.#vault.decrypt<string>(pending.sealedCodeVerifier, binding),
      },
    );
    const input = { credentials, settings: pending.settings };
    let connection: ConnectionSummary;
    try {
      connection = pending.connectionId
        ? await this.#connections.reconnect(organisationId, pending.connectionId, input)
        : await this.#connections.connect(organisationId, provider, input);
    } catch (error) {
      // Nothing was connected: the sign-in's tokens must not stay alive at the CRM (best effort).
      await this.#adapters
        .revokeAccess({ id: pending.stateHash, provider, credentials, settings: pending.settings }, null)
        .catch((revokeError: unknown) =>
          this.#logger.warn(
            { err: revokeError, organisationId, provider },
            'could not revoke an unused sign-in',
          ),
        )
        .finally(() => this.#adapters.forget(pending.stateHash));
      throw error;
    }
    this.#logger.info({ organisationId, provider, connectionId: connection.id }, 'OAuth sign-in finished');
    return { connection, reconnected: pending.connectionId !== null };
  }

  /** Forgets sign-ins nobody came back from. */
  async #pruneExpired(): Promise<void> {
    await this.#store.pruneExpired();
  }

  /** Only pages of Propsync or of a configured host: never an open redirect. */
  #checkedReturnUrl(value: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new PropsyncError('OAUTH.RETURN_URL_REFUSED', `The return address "${value}" is not a URL`);
    }
    if (!this.#returnOrigins.has(url.origin)) {
      throw new PropsyncError(
        'OAUTH.RETURN_URL_REFUSED',
        `A sign-in cannot return to ${url.origin}: add it to PROPSYNC_RETURN_ORIGINS`,
      );
    }
    url.hash = '';
    return url.toString();
  }

  #binding(organisationId: string, stateHash: string) {
    return { organisationId, connectionId: `oauth-sign-in:${stateHash}` };
  }
}

/** Propsync's own origin; on a loopback address, also its other loopback names (localhost vs 127.0.0.1). */
function sameHostOrigins(url: URL): string[] {
  const loopback = ['localhost', '127.0.0.1', '[::1]'];
  if (!loopback.includes(url.hostname)) return [url.origin];
  return loopback.map((host) => `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function pickDefined(settings: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).filter(([name, value]) => names.includes(name) && value !== '' && value != null),
  );
}

function withParams(returnTo: string, params: Record<string, string>): string {
  const url = new URL(returnTo);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

function signInExpired(): PropsyncError {
  return new PropsyncError(
    'OAUTH.SIGN_IN_EXPIRED',
    'This sign-in has expired or was already used: go back to the integrations page and connect again',
  );
}
