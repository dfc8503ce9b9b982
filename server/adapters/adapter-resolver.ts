import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { CrmProvider } from '../../shared/providers.ts';
import { PropsyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CrmAdapter } from '../ports/crm-adapter.ts';
import type { AdapterDefinition } from './adapter-definition.ts';
import { CRM_PROVIDERS, findCrm } from './registry.ts';
import { CredentialSession, type SharedGrantStore } from './shared/credential-session.ts';
import { ProviderHttp, type ProviderResponseObserver } from './shared/provider-http.ts';
import { RequestPacer } from './shared/request-pacer.ts';

export type ConnectionForAdapter = {
  id: string;
  provider: CrmProvider;
  credentials: unknown;
  settings: Record<string, unknown>;
  webhookSecret?: string | null;
};

export type AdapterResolverOptions = {
  /** Shares each connection's access grant between processes (one refresh in flight across all). */
  grantStoreFor?: (connectionId: string, credentialsFingerprint: string) => SharedGrantStore;
  timeoutMs?: number;
  fetchImplementation?: typeof fetch;
  onResponse?: ProviderResponseObserver;
};

type ConnectionRuntime = {
  fingerprint: string;
  session: CredentialSession | null;
  pacer: RequestPacer;
  newSession: (() => CredentialSession) | null;
};

/**
 * Routing: resolves the adapter of a connection from the registry, and keeps one credential
 * session and one request pacer per connection, so tokens and rate budgets outlive a single cycle.
 */
export class AdapterResolver {
  readonly #logger: Logger;
  readonly #options: AdapterResolverOptions;
  readonly #runtimes = new Map<string, ConnectionRuntime>();

  constructor(logger: Logger, options: AdapterResolverOptions = {}) {
    this.#logger = logger;
    this.#options = options;
  }

  isAvailable(provider: CrmProvider): boolean {
    return findCrm(provider) !== undefined;
  }

  definition(provider: CrmProvider): AdapterDefinition<any, any> {
    const definition = findCrm(provider)?.adapter;
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

  forConnection(connection: ConnectionForAdapter): CrmAdapter {
    const definition = this.definition(connection.provider);
    const credentials = definition.credentialsSchema.parse(connection.credentials);
    const settings = definition.settingsSchema.parse(connection.settings);
    const runtime = this.#runtimeFor(connection, definition, credentials, settings);
    const http = this.#http(definition, runtime, credentials, settings);
    return definition.create({
      http,
      credentials,
      settings,
      webhookSecret: connection.webhookSecret ?? null,
      logger: this.#logger.child({ connectionId: connection.id }),
    });
  }

  /** Forgets cached tokens, e.g. after a disconnect or new credentials. */
  forget(connectionId: string): void {
    this.#runtimes.delete(connectionId);
  }

  /** Drops the connection's cached token but keeps its rate budget (requests already made still count). */
  renewSession(connectionId: string): void {
    const runtime = this.#runtimes.get(connectionId);
    if (runtime?.newSession) runtime.session = runtime.newSession();
  }

  #runtimeFor(
    connection: ConnectionForAdapter,
    definition: AdapterDefinition<any, any>,
    credentials: unknown,
    settings: unknown,
  ): ConnectionRuntime {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([credentials, settings]))
      .digest('hex');
    const existing = this.#runtimes.get(connection.id);
    if (existing?.fingerprint === fingerprint) return existing;
    const pacer = new RequestPacer(definition.info.rateLimits);
    const runtime: ConnectionRuntime = { fingerprint, pacer, session: null, newSession: null };
    const authenticate = definition.authenticate;
    if (authenticate) {
      // The auth endpoint is paced with the API but never authorised by the grant it is fetching.
      const authHttp = this.#http(definition, { ...runtime, session: null }, credentials, settings);
      runtime.newSession = () =>
        new CredentialSession((previous) => authenticate(authHttp, credentials, settings, previous), {
          store: this.#options.grantStoreFor?.(connection.id, fingerprint) ?? null,
        });
      runtime.session = runtime.newSession();
    }
    this.#runtimes.set(connection.id, runtime);
    return runtime;
  }

  #http(
    definition: AdapterDefinition<any, any>,
    runtime: ConnectionRuntime,
    credentials: unknown,
    settings: unknown,
  ) {
    return new ProviderHttp({
      provider: definition.info,
      baseUrl: definition.baseUrl(settings),
      pacer: runtime.pacer,
      session: runtime.session,
      authorise: (grant) => definition.authorise(grant, credentials, settings),
      ...this.#options,
    });
  }
}

function parseOrExplain(schema: z.ZodType, value: unknown, what: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`);
  throw new PropsyncError('ADAPTER.VALIDATION', `Invalid ${what}: ${problems.join('; ')}`);
}
