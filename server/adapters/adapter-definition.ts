import type { z } from 'zod';
import type { ProviderInfo } from '../../shared/provider-catalog.ts';
import type { Logger } from '../infrastructure/logger.ts';
import type {
  ActivityPage,
  ConnectionCheck,
  ContactChange,
  ContactPage,
  CrmAdapter,
  IngestedWebhook,
  InboundWebhook,
  OutboundActivity,
  PushResult,
  SyncWindow,
  WebhookRegistration,
} from '../core/ports/crm-adapter.ts';
import type { CrmProvider } from '../../shared/providers.ts';
import type { AccessGrant } from './adapter-kit/credential-session.ts';
import type { ProviderHttp } from './adapter-kit/provider-http.ts';
import {
  deleteWebhookSubscriptions,
  subscribeWebhooks,
  type WebhookSubscriptionApi,
} from './adapter-kit/webhook-subscriptions.ts';

/**
 * A CRM's fixed public addresses by name (`api`, `connect`, …): deployment configuration, never
 * what an admin types. Each is `PROPSYNC_<CRM>_<NAME>_URL` (see `hostVariable`).
 */
export type ProviderHosts<Host extends string = string> = Readonly<Record<Host, string>>;

/** The operator's variable for one of a CRM's fixed hosts, e.g. `PROPSYNC_REAPIT_CONNECT_URL`. */
export function hostVariable(provider: string, host: string): string {
  const name = (part: string) => part.toUpperCase().replaceAll('-', '_');
  return `PROPSYNC_${name(provider)}_${name(host)}_URL`;
}

/** What the shared layer hands an adapter: authorised, paced HTTP and the connection's own values. */
export type AdapterContext<Credentials, Settings, Host extends string = never> = {
  /** The CRM's id, its definition's `info.id`. */
  provider: CrmProvider;
  http: ProviderHttp;
  credentials: Credentials;
  settings: Settings;
  /** The CRM's fixed hosts, as the deployment configures them. */
  hosts: ProviderHosts<Host>;
  /** The secret agreed when webhooks were registered (agentOS HMAC, Standard Webhooks), if any. */
  webhookSecret: string | null;
  logger: Logger;
  /** The admin's choice per canonical field among the CRM's `fieldAlternatives` (absent: the first). */
  fieldChoices?: Readonly<Record<string, string>>;
};

/**
 * What every CRM adapter keeps of its context, so one constructor serves them all. The context
 * stays private (the HTTP client holds the connection's credentials): subclasses read it through
 * getters, which no log or serialiser lists. Webhook subscriptions are made and removed here, as
 * each CRM's `webhookSubscriptions` describes. The port's other methods are each CRM's own, with
 * the signatures declared here once.
 */
export abstract class ConnectedAdapter<
  Credentials,
  Settings,
  Host extends string = never,
> implements CrmAdapter {
  abstract verifyConnection(): Promise<ConnectionCheck>;
  abstract syncContacts(window: SyncWindow, options?: { signal?: AbortSignal }): AsyncIterable<ContactPage>;
  abstract syncActivities(
    window: SyncWindow,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<ActivityPage>;
  abstract pushActivity(activity: OutboundActivity): Promise<PushResult>;
  abstract pushContact(change: ContactChange): Promise<PushResult>;
  abstract ingestWebhook(delivery: InboundWebhook): Promise<IngestedWebhook>;

  readonly #context: AdapterContext<Credentials, Settings, Host>;

  constructor(context: AdapterContext<Credentials, Settings, Host>) {
    this.#context = context;
  }

  get provider(): CrmProvider {
    return this.#context.provider;
  }

  protected get http(): ProviderHttp {
    return this.#context.http;
  }

  protected get credentials(): Credentials {
    return this.#context.credentials;
  }

  protected get settings(): Settings {
    return this.#context.settings;
  }

  protected get webhookSecret(): string | null {
    return this.#context.webhookSecret;
  }

  protected get logger(): Logger {
    return this.#context.logger;
  }

  protected get fieldChoices(): Readonly<Record<string, string>> {
    return this.#context.fieldChoices ?? {};
  }

  /** How this CRM's API subscribes Propsync to its webhooks. */
  protected abstract readonly webhookSubscriptions: WebhookSubscriptionApi;

  registerWebhooks(target: { url: string }): Promise<WebhookRegistration> {
    return subscribeWebhooks(this.http, this.webhookSubscriptions, target.url);
  }

  /** Removes what `registerWebhooks` created. */
  unregisterWebhooks(registration: WebhookRegistration): Promise<void> {
    return deleteWebhookSubscriptions(this.http, this.webhookSubscriptions.collection, registration.ids);
  }
}

/**
 * A canonical field the CRM fills from one of several of its own fields (e.g. three phone fields
 * for `phones`, whose first entry is the primary one). The first choice is what the mapper uses
 * unless the admin chooses another in the mapping review.
 */
export type FieldAlternativeDeclaration = {
  label: string;
  choices: ReadonlyArray<{ value: string; label: string }>;
};

/**
 * Everything Propsync needs to know to speak to one CRM. One of these per folder under
 * `server/adapters/<provider>/`, registered with one line in `registry.ts`.
 */
export type AdapterDefinition<Credentials = unknown, Settings = unknown, Host extends string = never> = {
  info: ProviderInfo;
  /**
   * The CRM's fixed public hosts with their real addresses — null where the CRM publishes none, so
   * the operator must configure it. Omitted where every agency's CRM has its own address (custom).
   */
  hosts?: Record<Host, string | null>;
  /** What an admin enters to connect (validated before anything is stored). */
  credentialsSchema: z.ZodType<Credentials>;
  /** Non-secret per-connection settings (customer id, page size; never a fixed host). */
  settingsSchema: z.ZodType<Settings>;
  /** Exchanges stored credentials for an access grant; omitted when the key itself is sent. */
  authenticate?: (
    http: ProviderHttp,
    credentials: Credentials,
    settings: Settings,
    /** The grant being replaced (its refresh token, for providers that rotate them), if any. */
    previous: AccessGrant | null,
    hosts: ProviderHosts<Host>,
  ) => Promise<AccessGrant>;
  /** Headers that authorise one request. */
  authorise: (
    grant: AccessGrant | null,
    credentials: Credentials,
    settings: Settings,
  ) => Record<string, string>;
  /**
   * The account the CRM counts its rate limits against, where a connection's settings name it
   * (Reapit: the customer). Connections naming the same account share one budget; without it
   * each connection is its own account.
   */
  budgetAccount?: (settings: Settings) => string;
  /** Base URL of the API for these settings. */
  baseUrl: (settings: Settings, hosts: ProviderHosts<NoInfer<Host>>) => string;
  create: (context: AdapterContext<Credentials, Settings, Host>) => CrmAdapter;
  /** Canonical fields this CRM fills from one of several of its own fields, by canonical field. */
  fieldAlternatives?: Readonly<Record<string, FieldAlternativeDeclaration>>;
  /** Sign-in by OAuth redirect (authorization code with PKCE), where the CRM offers it. */
  oauth?: OAuthSignInSupport<Credentials, Settings, Host>;
  /**
   * Revokes Propsync's access at the CRM when an agency disconnects; throws when the CRM refuses.
   * Omitted where keys can only be removed by an admin in the CRM.
   */
  revokeAccess?: (
    http: ProviderHttp,
    credentials: Credentials,
    settings: Settings,
    grant: AccessGrant | null,
    hosts: ProviderHosts<Host>,
  ) => Promise<Revocation>;
};

/**
 * What revoking achieved: `all_access` — nothing Propsync held still works (a sign-in's tokens, an
 * API key); `token_only` — the token Propsync held is revoked, but the credentials the admin
 * entered (an app's client id and secret) stay valid until deleted in the CRM; `unsupported` — the
 * CRM answered that it cannot revoke.
 */
export type Revocation = 'all_access' | 'token_only' | 'unsupported';

/** Propsync's app registered with a CRM for OAuth sign-in (deployment configuration, not per agency). */
export type OAuthApp = {
  clientId: string;
  clientSecret: string;
  /** Defaults for the connection's settings (e.g. a customer id); never addresses. */
  settings?: Record<string, string>;
};

export type OAuthSignInSupport<Credentials, Settings, Host extends string = never> = {
  /**
   * The settings an admin may choose for a sign-in (e.g. the customer id). Every other setting
   * comes only from the deployment's app configuration or the adapter's defaults, and the
   * addresses the app's secret is sent to only from the deployment's host configuration.
   */
  adminSettings: readonly string[];
  /** Where the admin's browser goes to sign in and allow Propsync. */
  authorizeUrl: (
    settings: Settings,
    request: { clientId: string; redirectUri: string; state: string; codeChallenge: string },
    hosts: ProviderHosts<Host>,
  ) => string;
  /** Exchanges the code the CRM redirected back with for credentials to store (a refresh token). */
  exchangeCode: (
    http: ProviderHttp,
    app: OAuthApp,
    settings: Settings,
    code: { code: string; redirectUri: string; codeVerifier: string },
    hosts: ProviderHosts<Host>,
  ) => Promise<Credentials>;
};

/** Keeps each definition's own credential and settings types while listing them together. */
export function defineAdapter<Credentials, Settings, Host extends string = never>(
  definition: AdapterDefinition<Credentials, Settings, Host>,
): AdapterDefinition<Credentials, Settings, Host> {
  return definition;
}
