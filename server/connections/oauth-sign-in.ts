import { createHash, randomBytes } from 'node:crypto';
import type { CrmProvider } from '../../shared/providers.ts';
import type { OAuthApp } from '../adapters/adapter-definition.ts';
import type { AdapterResolver } from '../adapters/adapter-resolver.ts';
import { providerDisplayName } from '../adapters/registry.ts';
import type { EntityManager } from '../db/orm.ts';
import { PropsyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CredentialVault } from '../vault/credential-vault.ts';
import type { ConnectionService } from './connection-service.ts';

/** How long the admin has to sign in at the CRM and come back. */
const SIGN_IN_LIFETIME_MINUTES = 10;

/** Where the CRM sends the admin's browser back to (registered with each CRM's app). */
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

/**
 * What the page the sign-in started on gets back: `propsync_oauth` (connected, denied or failed),
 * `propsync_provider` (the provider id) and `propsync_oauth_message` (a sentence for the admin).
 */
export const RETURN_STATUS_PARAM = 'propsync_oauth';
export const RETURN_MESSAGE_PARAM = 'propsync_oauth_message';
export const RETURN_PROVIDER_PARAM = 'propsync_provider';

type PendingSignIn = {
  organisation_id: string;
  provider: CrmProvider;
  connection_id: string | null;
  settings: Record<string, unknown>;
  code_verifier: unknown;
  return_to: string;
};

/**
 * Connecting a CRM by OAuth redirect (authorization code with PKCE): `start` remembers the
 * sign-in and answers the CRM's authorize URL; `complete` handles the CRM's redirect back, exchanges
 * the code for credentials and connects (or reconnects) exactly as the credentials form would.
 */
export class OAuthSignIn {
  readonly #em: EntityManager;
  readonly #vault: CredentialVault;
  readonly #adapters: AdapterResolver;
  readonly #connections: ConnectionService;
  readonly #apps: Readonly<Record<string, OAuthApp>>;
  readonly #redirectUri: string;
  readonly #returnOrigins: ReadonlySet<string>;
  readonly #logger: Logger;

  constructor(deps: {
    em: EntityManager;
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
    this.#em = deps.em;
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
    await this.#em.fork().execute(
      `insert into oauth_sign_ins (state_hash, organisation_id, provider, connection_id, settings, code_verifier, return_to, expires_at)
       values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, now() + make_interval(mins => ?))`,
      [
        stateHash,
        organisationId,
        provider,
        input.connectionId ?? null,
        JSON.stringify(settings),
        JSON.stringify(this.#vault.encrypt(codeVerifier, this.#binding(organisationId, stateHash))),
        returnTo,
        SIGN_IN_LIFETIME_MINUTES,
      ],
    );
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
   * The CRM's redirect back. Answers where to send the browser: the page the sign-in started on,
   * with `propsync_oauth=connected|denied|failed` (and a message when it failed). Throws
   * OAUTH.SIGN_IN_EXPIRED when the state is unknown, used or too old: there is then no page to
   * return to, and nothing is connected.
   */
  async complete(query: { state?: string; code?: string; error?: string }): Promise<{ returnTo: string }> {
    const expired = new PropsyncError(
      'OAUTH.SIGN_IN_EXPIRED',
      'This sign-in has expired or was already used: go back to the integrations page and connect again',
    );
    if (!query.state) throw expired;
    const stateHash = hash(query.state);
    // Deleted as it is read: a state works once, whichever process the browser comes back to.
    const [pending] = await this.#em.fork().execute<PendingSignIn[]>(
      `delete from oauth_sign_ins where state_hash = ? and expires_at > now()
         returning organisation_id, provider, connection_id, settings, code_verifier, return_to`,
      [stateHash],
    );
    if (!pending) throw expired;
    const { organisation_id: organisationId, provider } = pending;
    const name = providerDisplayName(provider);
    if (query.error || !query.code) {
      const denied = query.error === 'access_denied';
      this.#logger.info(
        { organisationId, provider, error: query.error ?? 'no code' },
        'OAuth sign-in not completed',
      );
      return {
        returnTo: withStatus(
          pending.return_to,
          denied ? 'denied' : 'failed',
          denied
            ? `Sign-in cancelled at ${name}: nothing was connected`
            : `${name} did not complete the sign-in (${query.error ?? 'no code returned'})`,
          provider,
        ),
      };
    }
    try {
      const codeVerifier = this.#vault.decrypt<string>(
        pending.code_verifier,
        this.#binding(organisationId, stateHash),
      );
      const credentials = await this.#adapters.exchangeAuthorizationCode(
        provider,
        this.#apps[provider]!,
        pending.settings,
        { code: query.code, redirectUri: this.#redirectUri, codeVerifier },
      );
      const input = { credentials, settings: pending.settings };
      if (pending.connection_id) {
        await this.#connections.reconnect(organisationId, pending.connection_id, input);
      } else {
        await this.#connections.connect(organisationId, provider, input);
      }
      return {
        returnTo: withStatus(
          pending.return_to,
          'connected',
          `Signed in: ${name} is connected and ${pending.connection_id ? 'syncing again' : 'its first import has started'}`,
          provider,
        ),
      };
    } catch (error) {
      const message = error instanceof PropsyncError ? error.message : `Connecting ${name} failed`;
      this.#logger.warn({ err: error, organisationId, provider }, 'OAuth sign-in failed');
      return { returnTo: withStatus(pending.return_to, 'failed', message, provider) };
    }
  }

  /** Forgets sign-ins nobody came back from. */
  async #pruneExpired(): Promise<void> {
    await this.#em.fork().execute(`delete from oauth_sign_ins where expires_at <= now()`);
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

function withStatus(
  returnTo: string,
  status: 'connected' | 'denied' | 'failed',
  message: string,
  provider: CrmProvider,
): string {
  const url = new URL(returnTo);
  url.searchParams.set(RETURN_STATUS_PARAM, status);
  url.searchParams.set(RETURN_PROVIDER_PARAM, provider);
  url.searchParams.set(RETURN_MESSAGE_PARAM, message);
  return url.toString();
}
