import { randomUUID } from 'node:crypto';
import type { ConnectionSummary } from '../../../shared/connection.ts';
import type { ConnectionStatus, CrmProvider } from '../../../shared/providers.ts';
import type { Revocation } from '../../adapters/adapter-definition.ts';
import type { AdapterResolver } from '../../adapters/adapter-resolver.ts';
import { findAdapter, providerDisplayName } from '../../adapters/registry.ts';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { EgressRefusedError, type EgressPolicy } from '../../infrastructure/egress/egress-policy.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { CrmAdapter, WebhookRegistration } from '../../core/ports/crm-adapter.ts';
import type { SyncRunTrigger } from '../../core/ports/sync-store.ts';
import type { CredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import type { AccessAtProvider } from '../../../shared/api/connection.dto.ts';

/** Queues sync work for a connection (pg-boss in production, so any process may run it). */
export type SyncScheduler = { enqueue: (connectionId: string, trigger: SyncRunTrigger) => Promise<unknown> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type { AccessAtProvider };

const ACCESS_AFTER_REVOCATION = {
  all_access: 'revoked',
  token_only: 'token_revoked',
  unsupported: 'remove_in_crm',
} as const satisfies Record<Revocation, AccessAtProvider>;

type ConnectionRow = {
  id: string;
  organisation_id: string;
  provider: CrmProvider;
  status: ConnectionStatus;
  settings: Record<string, unknown>;
  credentials: unknown;
  last_synced_at: Date | null;
  last_error_at: Date | null;
  last_error_message: string | null;
  sync_interval_minutes: number;
  contact_count: number;
  webhook_registration: WebhookRegistration | null;
  webhook_secret: unknown;
  current_sync: { runId: string; fetched: number; estimatedTotal: number | null; startedAt: string } | null;
};

/**
 * Connecting, listing and driving an agency's CRM connections. Every method takes the agency
 * (organisation) id and never returns or logs credential material.
 */
export class ConnectionService {
  readonly #em: EntityManager;
  readonly #vault: CredentialVault;
  readonly #adapters: AdapterResolver;
  readonly #scheduler: SyncScheduler;
  readonly #logger: Logger;
  readonly #publicUrl: string;
  readonly #egress: EgressPolicy | null;
  readonly #webhookAdapters = new Map<string, { version: string; adapter: CrmAdapter }>();

  constructor(deps: {
    em: EntityManager;
    vault: CredentialVault;
    adapters: AdapterResolver;
    scheduler: SyncScheduler;
    logger: Logger;
    /** Where CRMs reach this deployment; webhooks are registered at `<publicUrl>/webhooks/…`. */
    publicUrl: string;
    /** Vets the addresses a connection will call before anything is stored. */
    egress?: EgressPolicy;
  }) {
    this.#publicUrl = deps.publicUrl.replace(/\/$/, '');
    this.#egress = deps.egress ?? null;
    this.#em = deps.em;
    this.#vault = deps.vault;
    this.#adapters = deps.adapters;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
  }

  async list(organisationId: string): Promise<ConnectionSummary[]> {
    const rows = await this.#select(`c.organisation_id = ?`, [organisationId]);
    return rows.map(toSummary);
  }

  async get(organisationId: string, connectionId: string): Promise<ConnectionSummary> {
    return toSummary(await this.#row(organisationId, connectionId));
  }

  /**
   * Verifies the credentials with the CRM before storing anything, then stores them encrypted
   * (bound to this agency and connection) and queues the first full import.
   */
  async connect(
    organisationId: string,
    provider: CrmProvider,
    input: { credentials: unknown; settings: unknown },
  ): Promise<ConnectionSummary> {
    const { credentials, settings } = this.#adapters.parseConnectionInput(provider, input);
    await this.#vetAddresses(provider, settings);
    const em = this.#em.fork();
    const [existing] = await em.execute<{ id: string; status: ConnectionStatus }[]>(
      `select id, status from crm_connections where organisation_id = ? and provider = ?`,
      [organisationId, provider],
    );
    if (existing && existing.status !== 'disconnected') {
      throw alreadyConnected(provider);
    }
    const connectionId = existing?.id ?? randomUUID();
    const adapter = this.#adapters.forConnection({ id: connectionId, provider, credentials, settings });
    try {
      await adapter.verifyConnection();
    } catch (error) {
      this.#adapters.forget(connectionId);
      throw error;
    }
    const envelope = this.#vault.encrypt(credentials, { organisationId, connectionId });
    // The verifying grant was obtained before the row existed, so no other process could see it:
    // it is stored with the credentials (where refresh tokens rotate, theirs was spent obtaining it).
    const grant = this.#adapters.sealedVerifiedGrant(
      { id: connectionId, provider, credentials, settings },
      organisationId,
    );
    await em.execute(
      `insert into crm_connections (id, organisation_id, provider, status, settings, credentials, access_grant)
       values (?, ?, ?, 'active', ?::jsonb, ?::jsonb, ?::jsonb)
       on conflict (id) do update set status = 'active', settings = excluded.settings, credentials = excluded.credentials,
         access_grant = excluded.access_grant, sync_cursor = null, disconnected_at = null, last_error_at = null,
         last_error_message = null, failing_since = null, updated_at = now()`,
      [connectionId, organisationId, provider, JSON.stringify(settings), JSON.stringify(envelope), grant],
    );
    await this.#scheduleNextAfterNow(connectionId);
    await this.#registerWebhooks(organisationId, connectionId, provider, adapter);
    this.#logger.info({ organisationId, connectionId, provider }, 'connection created; first import queued');
    await this.#scheduler.enqueue(connectionId, 'initial');
    return this.get(organisationId, connectionId);
  }

  /** Refuses early (before a sign-in at the CRM) what `connect` would refuse after it. */
  async assertNotConnected(organisationId: string, provider: CrmProvider): Promise<void> {
    const [existing] = await this.#em
      .fork()
      .execute<{ id: string }[]>(
        `select id from crm_connections where organisation_id = ? and provider = ? and status <> 'disconnected'`,
        [organisationId, provider],
      );
    if (existing) {
      throw alreadyConnected(provider);
    }
  }

  /** A connection's settings (never secret: addresses, customer ids, page sizes). */
  async settings(organisationId: string, connectionId: string): Promise<Record<string, unknown>> {
    return (await this.#row(organisationId, connectionId)).settings;
  }

  async requestSync(organisationId: string, connectionId: string): Promise<{ queued: true }> {
    const row = await this.#row(organisationId, connectionId);
    if (row.status === 'disconnected') {
      throw new PropsyncError(
        'CONNECTION.DISCONNECTED',
        'This connection is disconnected: reconnect it to sync again',
      );
    }
    await this.#scheduler.enqueue(connectionId, 'manual');
    return { queued: true };
  }

  /**
   * Sets how often one connection syncs (null: follow the agency's interval). Takes effect on the
   * next scheduler tick in every process, measured from the last sync.
   */
  async setSchedule(
    organisationId: string,
    connectionId: string,
    intervalMinutes: number | null,
  ): Promise<ConnectionSummary> {
    await this.#row(organisationId, connectionId);
    await this.#em.fork().execute(
      `update crm_connections c set sync_interval_minutes = ?,
         next_sync_at = coalesce(c.last_synced_at, now()) + make_interval(mins => coalesce(?, o.sync_interval_minutes)), updated_at = now()
       from organisations o where o.id = c.organisation_id and c.id = ? and c.organisation_id = ?`,
      [intervalMinutes, intervalMinutes, connectionId, organisationId],
    );
    this.#logger.info({ organisationId, connectionId, intervalMinutes }, 'sync interval changed');
    return this.get(organisationId, connectionId);
  }

  /** Sets the agency's default interval, used by every connection without its own. */
  async setAgencySchedule(
    organisationId: string,
    intervalMinutes: number,
  ): Promise<{ intervalMinutes: number }> {
    const em = this.#em.fork();
    await em.transactional(async (tx) => {
      await tx.execute(
        `update organisations set sync_interval_minutes = ?, updated_at = now() where id = ?`,
        [intervalMinutes, organisationId],
      );
      await tx.execute(
        `update crm_connections set next_sync_at = coalesce(last_synced_at, now()) + make_interval(mins => ?), updated_at = now()
         where organisation_id = ? and sync_interval_minutes is null`,
        [intervalMinutes, organisationId],
      );
    });
    this.#logger.info({ organisationId, intervalMinutes }, 'agency sync interval changed');
    return { intervalMinutes };
  }

  /**
   * Disconnects: removes Propsync's webhooks at the CRM where it can, then deletes every stored
   * credential of the connection. Contacts, their history and the audit trail stay.
   * `accessAtProvider` says what the CRM revoked too: `revoked` (everything Propsync held),
   * `token_revoked` (the token; the app credentials entered stay valid in the CRM), `remove_in_crm`
   * where its API cannot (an admin deletes the key there), `revocation_failed` where it refused.
   */
  async disconnect(
    organisationId: string,
    connectionId: string,
  ): Promise<ConnectionSummary & { accessAtProvider: AccessAtProvider }> {
    const row = await this.#row(organisationId, connectionId);
    if (row.status === 'disconnected') return { ...toSummary(row), accessAtProvider: 'already_disconnected' };
    const warnings: string[] = [];
    let accessAtProvider: AccessAtProvider = 'remove_in_crm';
    if (row.credentials) {
      if (row.webhook_registration) {
        try {
          const adapter = await this.adapterFor(connectionId);
          await adapter.unregisterWebhooks(row.webhook_registration);
        } catch (error) {
          // The CRM may already refuse us (revoked key): disconnecting must still succeed.
          warnings.push(error instanceof Error ? error.message : String(error));
        }
      }
      // Last, because revoking ends every call Propsync can make to the CRM.
      try {
        const connection = {
          id: row.id,
          provider: row.provider,
          credentials: this.#vault.decrypt(row.credentials, { organisationId, connectionId }),
          settings: row.settings,
        };
        const grant = await this.#adapters.heldGrant(connection);
        accessAtProvider = ACCESS_AFTER_REVOCATION[await this.#adapters.revokeAccess(connection, grant)];
      } catch (error) {
        accessAtProvider = 'revocation_failed';
        warnings.push(error instanceof Error ? error.message : String(error));
      }
    }
    await this.#em.fork().execute(
      `update crm_connections set status = 'disconnected', credentials = null, webhook_registration = null, webhook_secret = null, access_grant = null,
         disconnected_at = now(), next_sync_at = null, updated_at = now() where id = ? and organisation_id = ?`,
      [connectionId, organisationId],
    );
    this.#adapters.forget(connectionId);
    this.#logger.info(
      { organisationId, connectionId, accessAtProvider, warnings },
      'connection disconnected; credentials deleted',
    );
    return { ...(await this.get(organisationId, connectionId)), accessAtProvider };
  }

  async #scheduleNextAfterNow(connectionId: string): Promise<void> {
    await this.#em.fork().execute(
      `update crm_connections c set next_sync_at = now() + make_interval(mins => coalesce(c.sync_interval_minutes, o.sync_interval_minutes))
       from organisations o where o.id = c.organisation_id and c.id = ?`,
      [connectionId],
    );
  }

  /** The adapter for a stored connection, with its credentials decrypted only in memory. */
  async adapterFor(connectionId: string): Promise<CrmAdapter> {
    // Lean on purpose: every webhook delivery comes through here.
    const [row] = await this.#em
      .fork()
      .execute<
        Pick<
          ConnectionRow,
          'id' | 'organisation_id' | 'provider' | 'status' | 'settings' | 'credentials' | 'webhook_secret'
        >[]
      >(
        `select id, organisation_id, provider, status, settings, credentials, webhook_secret from crm_connections where id = ?`,
        [connectionId],
      );
    if (!row) throw new PropsyncError('CONNECTION.NOT_FOUND', `No connection ${connectionId}`);
    if (row.status === 'disconnected' || row.credentials === null) {
      throw new PropsyncError(
        'CONNECTION.DISCONNECTED',
        'This connection is disconnected: reconnect it to sync again',
      );
    }
    return this.#adapterOf(row);
  }

  #adapterOf(
    row: Pick<
      ConnectionRow,
      'id' | 'organisation_id' | 'provider' | 'settings' | 'credentials' | 'webhook_secret'
    >,
  ): CrmAdapter {
    const binding = { organisationId: row.organisation_id, connectionId: row.id };
    return this.#adapters.forConnection({
      id: row.id,
      provider: row.provider,
      credentials: this.#vault.decrypt(row.credentials, binding),
      settings: row.settings,
      webhookSecret: row.webhook_secret ? this.#vault.decrypt<string>(row.webhook_secret, binding) : null,
    });
  }

  /** The connection a webhook URL names, if it exists for that provider and is not disconnected. */
  async webhookTarget(
    provider: string,
    connectionId: string,
  ): Promise<{ organisationId: string; adapter: CrmAdapter } | null> {
    if (!UUID.test(connectionId) || !findAdapter(provider)) return null;
    // Deliveries arrive in bursts: the verifying adapter is kept while the connection row is
    // unchanged (any reconnect, disconnect or settings change moves updated_at).
    const [row] = await this.#em.fork().execute<{ organisation_id: string; version: string }[]>(
      `select organisation_id, updated_at::text as version from crm_connections
         where id = ? and provider = ? and status <> 'disconnected' and credentials is not null`,
      [connectionId, provider],
    );
    if (!row) {
      this.#webhookAdapters.delete(connectionId);
      return null;
    }
    const cached = this.#webhookAdapters.get(connectionId);
    if (cached?.version === row.version)
      return { organisationId: row.organisation_id, adapter: cached.adapter };
    const adapter = await this.adapterFor(connectionId);
    this.#webhookAdapters.set(connectionId, { version: row.version, adapter });
    return { organisationId: row.organisation_id, adapter };
  }

  /**
   * New credentials for an existing connection (rotated key, a connection in error): verified
   * first, then stored encrypted; webhooks are registered afresh, open credential alerts are
   * resolved, and a cycle is queued that resumes wherever the failing one stopped.
   */
  async reconnect(
    organisationId: string,
    connectionId: string,
    input: { credentials: unknown; settings?: unknown },
  ): Promise<ConnectionSummary> {
    const row = await this.#row(organisationId, connectionId);
    const parsed = this.#adapters.parseConnectionInput(row.provider, {
      credentials: input.credentials,
      settings: input.settings ?? row.settings,
    });
    await this.#vetAddresses(row.provider, parsed.settings);
    this.#adapters.forget(connectionId);
    const adapter = this.#adapters.forConnection({ id: connectionId, provider: row.provider, ...parsed });
    try {
      await adapter.verifyConnection();
    } catch (error) {
      this.#adapters.forget(connectionId);
      throw error;
    }
    const grant = this.#adapters.sealedVerifiedGrant(
      { id: connectionId, provider: row.provider, ...parsed },
      organisationId,
    );
    if (row.webhook_registration && row.credentials) {
      // Best effort: the old key may be the reason we are reconnecting.
      await this.adapterFor(connectionId)
        .then((old) => old.unregisterWebhooks(row.webhook_registration!))
        .catch((error: unknown) =>
          this.#logger.warn({ err: error, connectionId }, 'could not remove the old webhooks'),
        );
    }
    const binding = { organisationId, connectionId };
    await this.#em.fork().transactional(async (em) => {
      await em.execute(
        `update crm_connections set status = 'active', settings = ?::jsonb, credentials = ?::jsonb, webhook_registration = null, access_grant = ?::jsonb,
           webhook_secret = null, disconnected_at = null, last_error_at = null, last_error_message = null, failing_since = null,
           updated_at = now() where id = ? and organisation_id = ?`,
        [
          JSON.stringify(parsed.settings),
          JSON.stringify(this.#vault.encrypt(parsed.credentials, binding)),
          grant,
          connectionId,
          organisationId,
        ],
      );
      await em.execute(
        `update alerts set resolved_at = now() where connection_id = ? and resolved_at is null
           and kind in ('credentials_rejected', 'permission_denied', 'connection_failing', 'webhook_registration_failed')`,
        [connectionId],
      );
    });
    this.#adapters.forget(connectionId);
    await this.#registerWebhooks(
      organisationId,
      connectionId,
      row.provider,
      await this.adapterFor(connectionId),
    );
    await this.#scheduleNextAfterNow(connectionId);
    await this.#scheduler.enqueue(connectionId, 'manual');
    this.#logger.info({ organisationId, connectionId, provider: row.provider }, 'connection reconnected');
    return this.get(organisationId, connectionId);
  }

  /**
   * Registers Propsync's receiver with the CRM and stores what it agreed (the secret encrypted).
   * A failure does not undo the connection: the scheduled delta sync still keeps it in step, and an
   * alert asks an admin to reconnect once the CRM allows webhooks.
   */
  async #registerWebhooks(
    organisationId: string,
    connectionId: string,
    provider: CrmProvider,
    adapter: CrmAdapter,
  ): Promise<void> {
    if (!findAdapter(provider)?.info.capabilities.webhooks) return;
    const url = `${this.#publicUrl}/webhooks/${provider}/${connectionId}`;
    try {
      const registration = await adapter.registerWebhooks({ url });
      const secret = registration.secret
        ? this.#vault.encrypt(registration.secret, { organisationId, connectionId })
        : null;
      await this.#em
        .fork()
        .execute(
          `update crm_connections set webhook_registration = ?::jsonb, webhook_secret = ?::jsonb, updated_at = now() where id = ?`,
          [
            JSON.stringify({ ids: registration.ids, url: registration.url, secret: null }),
            secret ? JSON.stringify(secret) : null,
            connectionId,
          ],
        );
    } catch (error) {
      const name = providerDisplayName(provider);
      this.#logger.warn({ err: error, connectionId, provider }, 'webhook registration failed');
      await this.#em.fork().execute(
        `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
         values (?, ?, 'webhook_registration_failed', 'warning', ?, 'reconnect', ?)
         on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null do nothing`,
        [
          organisationId,
          connectionId,
          `${name} did not accept Propsync's webhook, so changes arrive with the scheduled sync instead of at once: reconnect to re-register webhooks`,
          `webhook_registration_failed:${connectionId}`,
        ],
      );
    }
  }

  /**
   * Refuses, with the reason, an address the egress policy would refuse (an internal one typed
   * into the form, a name resolving to one) before verifying or storing anything.
   */
  async #vetAddresses(provider: CrmProvider, settings: Record<string, unknown>): Promise<void> {
    if (!this.#egress) return;
    for (const address of this.#adapters.addressesOf(provider, settings)) {
      await this.#egress.vetUrl(address).catch((error: unknown) => {
        if (!(error instanceof EgressRefusedError)) throw error;
        throw new PropsyncError(
          'EGRESS.REFUSED',
          `${providerDisplayName(provider)}'s address is refused: ${error.message}`,
        );
      });
    }
  }

  async #row(organisationId: string, connectionId: string): Promise<ConnectionRow> {
    const [row] = await this.#select(`c.organisation_id = ? and c.id = ?`, [organisationId, connectionId]);
    // Another agency's connection is indistinguishable from a missing one.
    if (!row) throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    return row;
  }

  async #select(where: string, params: unknown[]): Promise<ConnectionRow[]> {
    return this.#em.fork().execute<ConnectionRow[]>(
      `select c.id, c.organisation_id, c.provider, c.status, c.settings, c.credentials, c.webhook_registration, c.webhook_secret, c.last_synced_at, c.last_error_at,
         c.last_error_message, coalesce(c.sync_interval_minutes, o.sync_interval_minutes) as sync_interval_minutes,
         (select count(*)::int from contact_external_ids e where e.connection_id = c.id and e.active) as contact_count,
         (select jsonb_build_object('runId', r.id, 'fetched', r.records_fetched, 'estimatedTotal', r.estimated_total,
             'startedAt', to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           from sync_runs r where r.connection_id = c.id and r.status = 'running' order by r.started_at desc limit 1) as current_sync
       from crm_connections c join organisations o on o.id = c.organisation_id
       where ${where} order by c.created_at`,
      params,
    );
  }
}

function alreadyConnected(provider: CrmProvider): PropsyncError {
  return new PropsyncError(
    'CONNECTION.ALREADY_EXISTS',
    `${providerDisplayName(provider)} is already connected for this agency: disconnect it first, or reconnect it`,
  );
}

function toSummary(row: ConnectionRow): ConnectionSummary {
  return {
    id: row.id,
    provider: row.provider,
    providerName: providerDisplayName(row.provider),
    status: row.status,
    contactCount: row.contact_count,
    lastSyncedAt: row.last_synced_at ? new Date(row.last_synced_at).toISOString() : null,
    lastErrorAt: row.last_error_at ? new Date(row.last_error_at).toISOString() : null,
    lastErrorMessage: row.last_error_message,
    syncIntervalMinutes: row.sync_interval_minutes,
    revokesAccess: findAdapter(row.provider)?.revokeAccess !== undefined,
    currentSync: row.current_sync,
  };
}
