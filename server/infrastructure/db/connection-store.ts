import { z } from 'zod';
import { ConnectionStatusSchema, CrmProviderSchema, type CrmProvider } from '../../../shared/providers.ts';
import type {
  ConnectionSecrets,
  ConnectionStore,
  StoredConnection,
  VerifiedConnection,
} from '../../core/ports/connection-store.ts';
import { GroupCommit } from './group-commit.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp, type SqlParam } from './sql.ts';

const SecretsColumns = {
  id: z.string(),
  organisation_id: z.string(),
  provider: CrmProviderSchema,
  status: ConnectionStatusSchema,
  settings: z.record(z.string(), z.unknown()),
  credentials: z.unknown(),
  webhook_secret: z.unknown(),
  field_choices: z.record(z.string(), z.string()).nullable(),
};

function secretsOf(row: z.infer<z.ZodObject<typeof SecretsColumns>>): ConnectionSecrets {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    provider: row.provider,
    status: row.status,
    settings: row.settings,
    credentials: row.credentials,
    webhookSecret: row.webhook_secret,
    fieldChoices: row.field_choices ?? {},
  };
}

const SecretsRow = z.object(SecretsColumns).transform(secretsOf);

const ConnectionRow = z
  .object({
    ...SecretsColumns,
    last_synced_at: sqlTimestamp.nullable(),
    last_error_at: sqlTimestamp.nullable(),
    last_error_message: z.string().nullable(),
    sync_interval_minutes: z.number(),
    contact_count: z.number(),
    webhook_registration: z
      .object({ ids: z.array(z.string()), secret: z.string().nullable(), url: z.string() })
      .nullable(),
    current_sync: z
      .object({
        runId: z.string(),
        fetched: z.number(),
        estimatedTotal: z.number().nullable(),
        startedAt: z.string(),
      })
      .nullable(),
    field_mapping_confirmed_at: sqlTimestamp.nullable(),
  })
  .transform((row): StoredConnection => ({
    ...secretsOf(row),
    lastSyncedAt: row.last_synced_at,
    lastErrorAt: row.last_error_at,
    lastErrorMessage: row.last_error_message,
    syncIntervalMinutes: row.sync_interval_minutes,
    contactCount: row.contact_count,
    webhookRegistration: row.webhook_registration,
    currentSync: row.current_sync,
    fieldMappingConfirmedAt: row.field_mapping_confirmed_at,
  }));

type LiveVersion = { organisationId: string; version: string } | null;

export class PostgresConnectionStore implements ConnectionStore {
  readonly #sql: Sql;
  /** Webhooks arrive in bursts: the lookups of deliveries received at once share one statement. */
  readonly #liveVersions: GroupCommit<{ provider: string; connectionId: string }, LiveVersion>;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
    this.#liveVersions = new GroupCommit((lookups) => this.#readLiveVersions(lookups));
  }

  list(organisationId: string): Promise<StoredConnection[]> {
    return this.#select(`c.organisation_id = ?`, [organisationId]);
  }

  async find(organisationId: string, connectionId: string): Promise<StoredConnection | null> {
    const [row] = await this.#select(`c.organisation_id = ? and c.id = ?`, [organisationId, connectionId]);
    return row ?? null;
  }

  async findByProvider(organisationId: string, provider: CrmProvider) {
    const row = await this.#sql.first(
      z.object({ id: z.string(), status: ConnectionStatusSchema }),
      `select id, status from crm_connections where organisation_id = ? and provider = ?`,
      [organisationId, provider],
    );
    return row ?? null;
  }

  async saveConnected(provider: CrmProvider, connection: VerifiedConnection): Promise<void> {
    await this.#sql.run(
      `insert into crm_connections (id, organisation_id, provider, status, settings, credentials, access_grant,
         credentials_changed_at)
       values (?, ?, ?, 'active', ?::jsonb, ?::jsonb, ?::jsonb, now())
       on conflict (id) do update set status = 'active', settings = excluded.settings, credentials = excluded.credentials,
         access_grant = excluded.access_grant, sync_cursor = null, disconnected_at = null, last_error_at = null,
         last_error_message = null, failing_since = null, credentials_changed_at = now(), updated_at = now()`,
      [
        connection.connectionId,
        connection.organisationId,
        provider,
        sqlJson(connection.settings),
        sqlJson(connection.sealedCredentials),
        connection.sealedGrantJson,
      ],
    );
  }

  async saveReconnected(connection: VerifiedConnection): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(
        `update crm_connections set status = 'active', settings = ?::jsonb, credentials = ?::jsonb, webhook_registration = null, access_grant = ?::jsonb,
           webhook_secret = null, disconnected_at = null, last_error_at = null, last_error_message = null, failing_since = null,
           credentials_changed_at = now(), updated_at = now() where id = ? and organisation_id = ?`,
        [
          sqlJson(connection.settings),
          sqlJson(connection.sealedCredentials),
          connection.sealedGrantJson,
          connection.connectionId,
          connection.organisationId,
        ],
      );
      await tx.run(
        `update alerts set resolved_at = now() where connection_id = ? and resolved_at is null
           and kind in ('credentials_rejected', 'permission_denied', 'connection_failing', 'webhook_registration_failed')`,
        [connection.connectionId],
      );
    });
  }

  async markDisconnected(organisationId: string, connectionId: string): Promise<void> {
    await this.#sql.run(
      `update crm_connections set status = 'disconnected', credentials = null, webhook_registration = null, webhook_secret = null, access_grant = null,
         disconnected_at = now(), next_sync_at = null, updated_at = now() where id = ? and organisation_id = ?`,
      [connectionId, organisationId],
    );
  }

  async setInterval(
    organisationId: string,
    connectionId: string,
    intervalMinutes: number | null,
  ): Promise<void> {
    await this.#sql.run(
      `update crm_connections c set sync_interval_minutes = ?,
         next_sync_at = coalesce(c.last_synced_at, now()) + make_interval(mins => coalesce(?, o.sync_interval_minutes)), updated_at = now()
       from organisations o where o.id = c.organisation_id and c.id = ? and c.organisation_id = ?`,
      [intervalMinutes, intervalMinutes, connectionId, organisationId],
    );
  }

  async setAgencyInterval(organisationId: string, intervalMinutes: number): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(`update organisations set sync_interval_minutes = ?, updated_at = now() where id = ?`, [
        intervalMinutes,
        organisationId,
      ]);
      await tx.run(
        `update crm_connections set next_sync_at = coalesce(last_synced_at, now()) + make_interval(mins => ?), updated_at = now()
         where organisation_id = ? and sync_interval_minutes is null`,
        [intervalMinutes, organisationId],
      );
    });
  }

  async scheduleNextAfterNow(connectionId: string): Promise<void> {
    await this.#sql.run(
      `update crm_connections c set next_sync_at = now() + make_interval(mins => coalesce(c.sync_interval_minutes, o.sync_interval_minutes))
       from organisations o where o.id = c.organisation_id and c.id = ?`,
      [connectionId],
    );
  }

  async secretsOf(connectionId: string): Promise<ConnectionSecrets | null> {
    // Lean on purpose: every webhook delivery comes through here.
    const row = await this.#sql.first(
      SecretsRow,
      `select id, organisation_id, provider, status, settings, credentials, webhook_secret,
         field_mapping_overrides -> 'fields' as field_choices from crm_connections where id = ?`,
      [connectionId],
    );
    return row ?? null;
  }

  liveVersion(provider: string, connectionId: string): Promise<LiveVersion> {
    return this.#liveVersions.submit({ provider, connectionId });
  }

  async #readLiveVersions(
    lookups: Array<{ provider: string; connectionId: string }>,
  ): Promise<LiveVersion[]> {
    const rows = await this.#sql.rows(
      z.object({ id: z.string(), provider: z.string(), organisation_id: z.string(), version: z.string() }),
      `select id, provider, organisation_id, updated_at::text as version from crm_connections
         where id = any(array[?]::uuid[]) and status <> 'disconnected' and credentials is not null`,
      [[...new Set(lookups.map((lookup) => lookup.connectionId))]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return lookups.map(({ provider, connectionId }) => {
      const row = byId.get(connectionId);
      return row && row.provider === provider
        ? { organisationId: row.organisation_id, version: row.version }
        : null;
    });
  }

  async saveWebhookRegistration(
    connectionId: string,
    registration: { ids: string[]; url: string },
    sealedSecret: unknown,
  ): Promise<void> {
    await this.#sql.run(
      `update crm_connections set webhook_registration = ?::jsonb, webhook_secret = ?::jsonb, updated_at = now() where id = ?`,
      [
        sqlJson({ ids: registration.ids, url: registration.url, secret: null }),
        sealedSecret ? sqlJson(sealedSecret) : null,
        connectionId,
      ],
    );
  }

  async raiseWebhookRegistrationAlert(
    organisationId: string,
    connectionId: string,
    message: string,
  ): Promise<void> {
    await this.#sql.run(
      `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
       values (?, ?, 'webhook_registration_failed', 'warning', ?, 'reconnect', ?)
       on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null do nothing`,
      [organisationId, connectionId, message, `webhook_registration_failed:${connectionId}`],
    );
  }

  #select(where: string, params: SqlParam[]): Promise<StoredConnection[]> {
    return this.#sql.rows(
      ConnectionRow,
      `select c.id, c.organisation_id, c.provider, c.status, c.settings, c.credentials, c.webhook_registration, c.webhook_secret, c.last_synced_at, c.last_error_at,
         c.field_mapping_overrides -> 'fields' as field_choices,
         c.last_error_message, coalesce(c.sync_interval_minutes, o.sync_interval_minutes) as sync_interval_minutes,
         c.field_mapping_confirmed_at,
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
