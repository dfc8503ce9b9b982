import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { CrmProvider } from '../../shared/providers.ts';
import { PropsyncError } from '../core/errors.ts';
import type { Logger } from '../infrastructure/logger.ts';
import type { CrmAdapter } from '../core/ports/crm-adapter.ts';
import {
  hostVariable,
  type AdapterDefinition,
  type OAuthApp,
  type OAuthSignInSupport,
  type ProviderHosts,
  type Revocation,
} from './adapter-definition.ts';
import { CRM_PROVIDERS, findAdapter } from './registry.ts';
import { guardInbound } from './adapter-kit/inbound-guard.ts';
import {
  CredentialSession,
  type AccessGrant,
  type SharedGrantStore,
} from './adapter-kit/credential-session.ts';
import { ProviderHttp, type ProviderResponseObserver } from './adapter-kit/provider-http.ts';
import { RequestPacer } from './adapter-kit/request-pacer.ts';
import { InMemoryRateBudget } from './adapter-kit/in-memory-rate-budget.ts';
import type { RateBudget } from '../core/ports/rate-budget.ts';

export type ConnectionForAdapter = {
  id: string;
  provider: CrmProvider;
  credentials: unknown;
  settings: Record<string, unknown>;
  webhookSecret?: string | null;
  /** The admin's choices among the CRM's field alternatives (the mapping review). */
  fieldChoices?: Readonly<Record<string, string>>;
};

export type AdapterResolverOptions = {
  /** Shares each connection's access grant between processes (one refresh in flight across all). */
  grantStoreFor?: (connectionId: string, credentialsFingerprint: string) => SharedGrantStore;
  timeoutMs?: number;
  fetchImplementation?: typeof fetch;
  onResponse?: ProviderResponseObserver;
  /**
   * The operator's `PROPSYNC_<CRM>_<HOST>_URL` values (other keys are ignored); a CRM's fixed
   * host without one gets the CRM's real address.
   */
  hostConfig?: Readonly<Record<string, string | undefined>>;
  /**
   * Where request budgets are kept: the product shares them between processes (PostgreSQL); by
   * default they are this resolver's own.
   */
  rateBudget?: RateBudget;
};

type ConnectionRuntime = {
  fingerprint: string;
  session: CredentialSession | null;
  pacer: RequestPacer;
};

/**
 * Routing: resolves the adapter of a connection from the registry, and keeps one credential
 * session and one request pacer per connection, so tokens and rate budgets outlive a single cycle.
 */
export class AdapterResolver {
  readonly #logger: Logger;
  readonly #options: AdapterResolverOptions;
  readonly #runtimes = new Map<string, ConnectionRuntime>();
  readonly #rateBudget: RateBudget;

  constructor(logger: Logger, options: AdapterResolverOptions = {}) {
    this.#logger = logger;
    this.#options = options;
    this.#rateBudget = options.rateBudget ?? new InMemoryRateBudget();
  }

  /**
   * The key of the rate budget a connection's requests count against: the CRM's account where
   * its settings name one (`budgetAccount`), else the connection itself.
   */
  budgetKeyOf(connection: Pick<ConnectionForAdapter, 'id' | 'provider' | 'settings'>): string {
    const definition = this.definition(connection.provider);
    const parsed = definition.budgetAccount && definition.settingsSchema.safeParse(connection.settings);
    return parsed?.success
      ? `${connection.provider}:${definition.budgetAccount!(parsed.data)}`
      : `${connection.provider}:connection:${connection.id}`;
  }

  /** Requests counted today against each connection's budget, where its CRM documents a daily limit. */
  async requestsToday(
    connections: ReadonlyArray<Pick<ConnectionForAdapter, 'id' | 'provider' | 'settings'>>,
  ): Promise<Map<string, { used: number; limit: number }>> {
    const capped = connections.flatMap((connection) => {
      const limit = findAdapter(connection.provider)?.info.rateLimits.perDay;
      return limit === undefined ? [] : [{ connection, limit, key: this.budgetKeyOf(connection) }];
    });
    if (capped.length === 0) return new Map();
    const usage = await this.#rateBudget.requestsToday([...new Set(capped.map(({ key }) => key))]);
    return new Map(
      capped.map(({ connection, limit, key }) => [connection.id, { used: usage.get(key) ?? 0, limit }]),
    );
  }

  isAvailable(provider: CrmProvider): boolean {
    return findAdapter(provider) !== undefined;
  }

  definition(provider: CrmProvider): AdapterDefinition<any, any, any> {
    const definition = findAdapter(provider);
    if (!definition) {
      throw new PropsyncError(
        'ADAPTER.VALIDATION',
        `Propsync cannot connect to "${provider}": the CRMs it knows are ${CRM_PROVIDERS.join(', ')}`,
      );
    }
    return definition;
  }

  /** Validates what an admin entered for a provider, naming every missing or malformed field. */
  parseConnectionInput(
    provider: CrmProvider,
    input: { credentials: unknown; settings: unknown },
  ): { credentials: unknown; settings: Record<string, unknown> } {
    const definition = this.definition(provider);
    return {
      credentials: parseOrExplain(
        definition.credentialsSchema,
        input.credentials,
        `${definition.info.displayName} credentials`,
      ),
      settings: parseOrExplain(
        definition.settingsSchema,
        input.settings,
        `${definition.info.displayName} settings`,
      ) as Record<string, unknown>,
    };
  }

  /** Validates settings alone (an OAuth sign-in gets its credentials from the CRM). */
  parseSettings(provider: CrmProvider, settings: unknown): Record<string, unknown> {
    const definition = this.definition(provider);
    return parseOrExplain(
      definition.settingsSchema,
      settings,
      `${definition.info.displayName} settings`,
    ) as Record<string, unknown>;
  }

  /** Every address a connection with these settings calls (vetted by the egress policy on save). */
  addressesOf(provider: CrmProvider, settings: Record<string, unknown>): string[] {
    const definition = this.definition(provider);
    const hosts = this.hostsOf(definition);
    return [
      ...new Set([
        definition.baseUrl(definition.settingsSchema.parse(settings), hosts),
        ...Object.values(hosts),
      ]),
    ];
  }

  /** A CRM's fixed hosts as this deployment configures them (its real addresses by default). */
  hostsOf(definition: AdapterDefinition<any, any, any>): ProviderHosts {
    const hosts: Record<string, string> = {};
    for (const [name, fallback] of Object.entries<string | null>(definition.hosts ?? {})) {
      const variable = hostVariable(definition.info.id, name);
      const value = this.#options.hostConfig?.[variable] ?? fallback;
      if (!value) {
        throw new PropsyncError(
          'ADAPTER.VALIDATION',
          `${definition.info.displayName} cannot be connected yet: this deployment has no address for its ${name.toUpperCase()} (an operator sets ${variable})`,
        );
      }
      hosts[name] = value.replace(/\/+$/, '');
    }
    return hosts;
  }

  forConnection(connection: ConnectionForAdapter): CrmAdapter {
    const definition = this.definition(connection.provider);
    const credentials = definition.credentialsSchema.parse(connection.credentials);
    const settings = definition.settingsSchema.parse(connection.settings);
    const runtime = this.#runtimeFor(connection, definition, credentials, settings);
    const http = this.#http(definition, runtime, credentials, settings);
    const logger = this.#logger.child({ connectionId: connection.id });
    // Every adapter's output crosses into the core through the guard: storable text, or the record rejected on its own.
    return guardInbound(
      definition.create({
        provider: definition.info.id,
        http,
        credentials,
        settings,
        hosts: this.hostsOf(definition),
        webhookSecret: connection.webhookSecret ?? null,
        logger,
        fieldChoices: connection.fieldChoices ?? {},
      }),
      logger,
    );
  }

  /** Forgets cached tokens, e.g. after a disconnect or new credentials. */
  forget(connectionId: string): void {
    this.#runtimes.delete(connectionId);
  }

  /** The grant the connection's session holds in memory (after verifying new credentials). */
  currentGrant(connectionId: string): AccessGrant | null {
    return this.#runtimes.get(connectionId)?.session?.current ?? null;
  }

  /**
   * The connection's newest grant: the shared one (another process may have rotated the refresh
   * token since this one cached its grant), else the one in memory.
   */
  async heldGrant(connection: ConnectionForAdapter): Promise<AccessGrant | null> {
    const stored = await this.#grantStoreOf(connection)?.load();
    return stored ?? this.currentGrant(connection.id);
  }

  /**
   * The stored form of the grant obtained while verifying new credentials (before the row held
   * them), for the connection service to write with those credentials, so every process uses it.
   * Where refresh tokens rotate this is what keeps access: the credentials' own refresh token was
   * spent obtaining it. Null when there is no such grant or nowhere to share it.
   */
  sealedVerifiedGrant(connection: ConnectionForAdapter, organisationId: string): string | null {
    const grant = this.currentGrant(connection.id);
    if (!grant) return null;
    return this.#grantStoreOf(connection)?.seal(grant, organisationId) ?? null;
  }

  #grantStoreOf(connection: ConnectionForAdapter): SharedGrantStore | undefined {
    const definition = this.definition(connection.provider);
    const fingerprint = fingerprintOf(
      definition.credentialsSchema.parse(connection.credentials),
      definition.settingsSchema.parse(connection.settings),
    );
    return this.#options.grantStoreFor?.(connection.id, fingerprint);
  }

  /** Revokes Propsync's access at the CRM, where its API allows (see `Revocation`). */
  async revokeAccess(connection: ConnectionForAdapter, grant: AccessGrant | null): Promise<Revocation> {
    const definition = this.definition(connection.provider);
    if (!definition.revokeAccess) return 'unsupported';
    const credentials = definition.credentialsSchema.parse(connection.credentials);
    const settings = definition.settingsSchema.parse(connection.settings);
    const runtime = this.#runtimeFor(connection, definition, credentials, settings);
    // Unauthorised by the session: revocation must not trigger a refresh of what it revokes.
    const http = this.#http(definition, { ...runtime, session: null }, credentials, settings);
    return definition.revokeAccess(http, credentials, settings, grant, this.hostsOf(definition));
  }

  /** Whether the CRM offers OAuth sign-in (the deployment must also have an app registered with it). */
  supportsOAuth(provider: CrmProvider): boolean {
    return findAdapter(provider)?.oauth !== undefined;
  }

  /** The settings an admin may choose for a sign-in (the rest come from the deployment's app). */
  oauthAdminSettings(provider: CrmProvider): readonly string[] {
    return this.#oauthOf(provider).adminSettings;
  }

  /** Where the admin signs in to allow Propsync (OAuth redirect). */
  authorizeUrl(
    provider: CrmProvider,
    settings: Record<string, unknown>,
    request: { clientId: string; redirectUri: string; state: string; codeChallenge: string },
  ): string {
    return this.#oauthOf(provider).authorizeUrl(settings, request, this.hostsOf(this.definition(provider)));
  }

  /** Exchanges an authorization code for credentials to store (paced and timed like any request). */
  async exchangeAuthorizationCode(
    provider: CrmProvider,
    app: OAuthApp,
    settings: Record<string, unknown>,
    code: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<unknown> {
    const definition = this.definition(provider);
    const oauth = this.#oauthOf(provider);
    const http = new ProviderHttp({
      provider: definition.info,
      baseUrl: definition.baseUrl(settings, this.hostsOf(definition)),
      pacer: new RequestPacer(definition.info.rateLimits),
      session: null,
      authorise: () => ({}),
      ...this.#httpOptions(),
    });
    return oauth.exchangeCode(http, app, settings, code, this.hostsOf(definition));
  }

  #oauthOf(provider: CrmProvider): OAuthSignInSupport<unknown, any, any> {
    const oauth = this.definition(provider).oauth;
    if (!oauth) {
      throw new PropsyncError(
        'OAUTH.UNAVAILABLE',
        `${this.definition(provider).info.displayName} does not offer sign-in by redirect: connect it with its credentials`,
      );
    }
    return oauth;
  }

  #runtimeFor(
    connection: ConnectionForAdapter,
    definition: AdapterDefinition<any, any, any>,
    credentials: unknown,
    settings: unknown,
  ): ConnectionRuntime {
    const fingerprint = fingerprintOf(credentials, settings);
    const existing = this.#runtimes.get(connection.id);
    if (existing?.fingerprint === fingerprint) return existing;
    const pacer = new RequestPacer(definition.info.rateLimits, {
      budget: this.#rateBudget,
      key: this.budgetKeyOf(connection),
      providerName: definition.info.displayName,
    });
    const runtime: ConnectionRuntime = { fingerprint, pacer, session: null };
    const authenticate = definition.authenticate;
    if (authenticate) {
      // The auth endpoint is paced with the API but never authorised by the grant it is fetching.
      const authHttp = this.#http(definition, { ...runtime, session: null }, credentials, settings);
      const hosts = this.hostsOf(definition);
      runtime.session = new CredentialSession(
        (previous) => authenticate(authHttp, credentials, settings, previous, hosts),
        { store: this.#options.grantStoreFor?.(connection.id, fingerprint) ?? null },
      );
    }
    this.#runtimes.set(connection.id, runtime);
    return runtime;
  }

  #http(
    definition: AdapterDefinition<any, any, any>,
    runtime: ConnectionRuntime,
    credentials: unknown,
    settings: unknown,
  ) {
    return new ProviderHttp({
      provider: definition.info,
      baseUrl: definition.baseUrl(settings, this.hostsOf(definition)),
      pacer: runtime.pacer,
      session: runtime.session,
      authorise: (grant) => definition.authorise(grant, credentials, settings),
      ...this.#httpOptions(),
    });
  }

  #httpOptions() {
    const { timeoutMs, fetchImplementation, onResponse } = this.#options;
    return {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(fetchImplementation ? { fetchImplementation } : {}),
      ...(onResponse ? { onResponse } : {}),
    };
  }
}

/** Identifies one set of credentials and settings, so a grant obtained with others is never reused. */
function fingerprintOf(credentials: unknown, settings: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([credentials, settings]))
    .digest('hex');
}

function parseOrExplain(schema: z.ZodType, value: unknown, what: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`);
  throw new PropsyncError('ADAPTER.VALIDATION', `Invalid ${what}: ${problems.join('; ')}`);
}
