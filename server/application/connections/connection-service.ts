import { randomUUID } from 'node:crypto';
import type { ConnectionSummary } from '../../../shared/connection.ts';
import type { CrmProvider } from '../../../shared/providers.ts';
import type { Revocation } from '../../adapters/adapter-definition.ts';
import type { AdapterResolver } from '../../adapters/adapter-resolver.ts';
import { findAdapter, providerDisplayName } from '../../adapters/registry.ts';
import { EgressRefusedError, type EgressPolicy } from '../../infrastructure/egress/egress-policy.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { CrmAdapter } from '../../core/ports/crm-adapter.ts';
import type {
  ConnectionSecrets,
  ConnectionStore,
  StoredConnection,
} from '../../core/ports/connection-store.ts';
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

/**
 * Connecting, listing and driving an agency's CRM connections. Every method takes the agency
 * (organisation) id and never returns or logs credential material.
 */
export class ConnectionService {
  readonly #store: ConnectionStore;
  readonly #vault: CredentialVault;
  readonly #adapters: AdapterResolver;
  readonly #scheduler: SyncScheduler;
  readonly #logger: Logger;
  readonly #publicUrl: string;
  readonly #egress: EgressPolicy | null;
  readonly #webhookAdapters = new Map<string, { version: string; adapter: CrmAdapter }>();

  constructor(deps: {
    store: ConnectionStore;
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
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#adapters = deps.adapters;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
  }

  async list(organisationId: string): Promise<ConnectionSummary[]> {
    return this.#summaries(await this.#store.list(organisationId));
  }

  async get(organisationId: string, connectionId: string): Promise<ConnectionSummary> {
    const [summary] = await this.#summaries([await this.#row(organisationId, connectionId)]);
    return summary!;
  }

  /** With the requests counted today where the CRM documents a daily limit (the card shows it near the cap). */
  async #summaries(rows: StoredConnection[]): Promise<ConnectionSummary[]> {
    const usage = await this.#adapters.requestsToday(
      rows.filter((row) => row.status !== 'disconnected' && this.#adapters.isAvailable(row.provider)),
    );
    return rows.map((row) => {
      const today = usage.get(row.id);
      return today ? { ...toSummary(row), requestsToday: today } : toSummary(row);
    });
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
    const existing = await this.#store.findByProvider(organisationId, provider);
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
    await this.#store.saveConnected(provider, {
      connectionId,
      organisationId,
      settings,
      sealedCredentials: envelope,
      sealedGrantJson: grant,
    });
    await this.#store.scheduleNextAfterNow(connectionId);
    await this.#registerWebhooks(organisationId, connectionId, provider, adapter);
    this.#logger.info({ organisationId, connectionId, provider }, 'connection created; first import queued');
    await this.#scheduler.enqueue(connectionId, 'initial');
    return this.get(organisationId, connectionId);
  }

  /** Refuses early (before a sign-in at the CRM) what `connect` would refuse after it. */
  async assertNotConnected(organisationId: string, provider: CrmProvider): Promise<void> {
    const existing = await this.#store.findByProvider(organisationId, provider);
    if (existing && existing.status !== 'disconnected') {
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
    await this.#store.setInterval(organisationId, connectionId, intervalMinutes);
    this.#logger.info({ organisationId, connectionId, intervalMinutes }, 'sync interval changed');
    return this.get(organisationId, connectionId);
  }

  /** Sets the agency's default interval, used by every connection without its own. */
  async setAgencySchedule(
    organisationId: string,
    intervalMinutes: number,
  ): Promise<{ intervalMinutes: number }> {
    await this.#store.setAgencyInterval(organisationId, intervalMinutes);
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
      if (row.webhookRegistration) {
        try {
          const adapter = await this.adapterFor(connectionId);
          await adapter.unregisterWebhooks(row.webhookRegistration);
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
    await this.#store.markDisconnected(organisationId, connectionId);
    this.#adapters.forget(connectionId);
    this.#logger.info(
      { organisationId, connectionId, accessAtProvider, warnings },
      'connection disconnected; credentials deleted',
    );
    return { ...(await this.get(organisationId, connectionId)), accessAtProvider };
  }

  /** The adapter for a stored connection, with its credentials decrypted only in memory. */
  async adapterFor(connectionId: string): Promise<CrmAdapter> {
    // Lean on purpose: every webhook delivery comes through here.
    const row = await this.#store.secretsOf(connectionId);
    if (!row) throw new PropsyncError('CONNECTION.NOT_FOUND', `No connection ${connectionId}`);
    if (row.status === 'disconnected' || row.credentials === null) {
      throw new PropsyncError(
        'CONNECTION.DISCONNECTED',
        'This connection is disconnected: reconnect it to sync again',
      );
    }
    return this.#adapterOf(row);
  }

  #adapterOf(row: ConnectionSecrets): CrmAdapter {
    const binding = { organisationId: row.organisationId, connectionId: row.id };
    return this.#adapters.forConnection({
      id: row.id,
      provider: row.provider,
      credentials: this.#vault.decrypt(row.credentials, binding),
      settings: row.settings,
      webhookSecret: row.webhookSecret ? this.#vault.decrypt<string>(row.webhookSecret, binding) : null,
      fieldChoices: row.fieldChoices,
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
    const row = await this.#store.liveVersion(provider, connectionId);
    if (!row) {
      this.#webhookAdapters.delete(connectionId);
      return null;
    }
    const cached = this.#webhookAdapters.get(connectionId);
    if (cached?.version === row.version)
      return { organisationId: row.organisationId, adapter: cached.adapter };
    const adapter = await this.adapterFor(connectionId);
    this.#webhookAdapters.set(connectionId, { version: row.version, adapter });
    return { organisationId: row.organisationId, adapter };
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
    const registration = row.webhookRegistration;
    if (registration && row.credentials) {
      // Best effort: the old key may be the reason we are reconnecting.
      await this.adapterFor(connectionId)
        .then((old) => old.unregisterWebhooks(registration))
        .catch((error: unknown) =>
          this.#logger.warn({ err: error, connectionId }, 'could not remove the old webhooks'),
        );
    }
    const binding = { organisationId, connectionId };
    await this.#store.saveReconnected({
      connectionId,
      organisationId,
      settings: parsed.settings,
      sealedCredentials: this.#vault.encrypt(parsed.credentials, binding),
      sealedGrantJson: grant,
    });
    this.#adapters.forget(connectionId);
    await this.#registerWebhooks(
      organisationId,
      connectionId,
      row.provider,
      await this.adapterFor(connectionId),
    );
    await this.#store.scheduleNextAfterNow(connectionId);
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
      await this.#store.saveWebhookRegistration(connectionId, registration, secret);
    } catch (error) {
      const name = providerDisplayName(provider);
      this.#logger.warn({ err: error, connectionId, provider }, 'webhook registration failed');
      const byHand = findAdapter(provider)?.info.webhooksByHand;
      const remedy = byHand
        ? `${byHand}; this connection's webhook address is ${url}`
        : 'reconnect to re-register webhooks';
      await this.#store.raiseWebhookRegistrationAlert(
        organisationId,
        connectionId,
        `${name} did not accept Propsync's webhook, so changes arrive with the scheduled sync instead of at once: ${remedy}`,
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

  async #row(organisationId: string, connectionId: string): Promise<StoredConnection> {
    const row = await this.#store.find(organisationId, connectionId);
    // Another agency's connection is indistinguishable from a missing one.
    if (!row) throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    return row;
  }
}

function alreadyConnected(provider: CrmProvider): PropsyncError {
  return new PropsyncError(
    'CONNECTION.ALREADY_EXISTS',
    `${providerDisplayName(provider)} is already connected for this agency: disconnect it first, or reconnect it`,
  );
}

function toSummary(row: StoredConnection): ConnectionSummary {
  return {
    id: row.id,
    provider: row.provider,
    providerName: providerDisplayName(row.provider),
    status: row.status,
    contactCount: row.contactCount,
    lastSyncedAt: row.lastSyncedAt ? row.lastSyncedAt.toISOString() : null,
    lastErrorAt: row.lastErrorAt ? row.lastErrorAt.toISOString() : null,
    lastErrorMessage: row.lastErrorMessage,
    syncIntervalMinutes: row.syncIntervalMinutes,
    revokesAccess: findAdapter(row.provider)?.revokeAccess !== undefined,
    signals: findAdapter(row.provider)?.info.capabilities.activities.kinds ?? 'none',
    currentSync: row.currentSync,
    writeBackPaused: row.fieldMappingConfirmedAt === null,
  };
}
