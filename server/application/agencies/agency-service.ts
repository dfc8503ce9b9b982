import type { CrmProvider } from '../../../shared/providers.ts';
import { findAdapter, providerDisplayName } from '../../adapters/registry.ts';
import type { AccessAtProvider, ConnectionService } from '../connections/connection-service.ts';
import { LOCK_NAMESPACE } from '../../infrastructure/db/connection-locks.ts';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type {
  AgencyCreated,
  AgencyStatus,
  AgencySummary,
  OffboardingRemoved,
  OffboardingReport,
} from '../../../shared/api/agency.dto.ts';

/** Tables offboarding empties for the agency, in an order the foreign keys allow. */
const REMOVED_TABLES: Array<[keyof OffboardingRemoved, string]> = [
  ['syncLogEntries', 'crm_sync_log'],
  ['activities', 'activities'],
  ['outboundWrites', 'outbound_writes'],
  ['webhookDeliveries', 'webhook_deliveries'],
  ['hostEvents', 'host_events'],
  ['alerts', 'alerts'],
  ['signInsInProgress', 'oauth_sign_ins'],
  ['fieldPolicies', 'field_policies'],
  ['links', 'contact_external_ids'],
  ['contacts', 'contacts'],
];

type AgencyRow = {
  id: string;
  name: string;
  external_ref: string | null;
  created_at: Date;
  offboarded_at: Date | null;
  active_connections: number;
};

/**
 * The host's side of tenancy: it provisions agencies (idempotently, by its own reference),
 * renames them and offboards them. Agency tokens for an agency not provisioned here, or
 * offboarded, are refused before any procedure runs.
 */
export class AgencyService {
  readonly #em: EntityManager;
  readonly #connections: ConnectionService;
  readonly #logger: Logger;
  readonly #lockTimeoutMs: number;

  constructor(deps: {
    em: EntityManager;
    connections: ConnectionService;
    logger: Logger;
    /** How long offboarding waits for a running sync cycle of the agency before answering busy. */
    lockTimeoutMs?: number;
  }) {
    this.#em = deps.em;
    this.#connections = deps.connections;
    this.#logger = deps.logger;
    this.#lockTimeoutMs = deps.lockTimeoutMs ?? 15_000;
  }

  /** Creates the agency, or answers the existing one when `externalRef` is already provisioned. */
  async create(input: { name: string; externalRef?: string | undefined }): Promise<AgencyCreated> {
    const em = this.#em.fork();
    const externalRef = input.externalRef ?? null;
    // Two attempts: a concurrent create with the same reference makes the first insert a no-op.
    for (let attempt = 0; attempt < 2; attempt++) {
      const [inserted] = await em.execute<{ id: string }[]>(
        `insert into organisations (name, external_ref) values (?, ?)
         on conflict (external_ref) where external_ref is not null and offboarded_at is null do nothing
         returning id`,
        [input.name, externalRef],
      );
      if (inserted) {
        this.#logger.info({ organisationId: inserted.id, externalRef }, 'agency provisioned');
        return { id: inserted.id, created: true };
      }
      const [existing] = await em.execute<{ id: string }[]>(
        `select id from organisations where external_ref = ? and offboarded_at is null`,
        [externalRef],
      );
      if (existing) return { id: existing.id, created: false };
    }
    throw new PropsyncError('AGENCY.BUSY', 'The agency was being created and offboarded at once: try again');
  }

  async list(): Promise<AgencySummary[]> {
    const rows = await this.#select('true', []);
    return rows.map(toSummary);
  }

  async get(id: string): Promise<AgencySummary> {
    return toSummary(await this.#row(id));
  }

  async rename(id: string, name: string): Promise<AgencySummary> {
    const row = await this.#row(id);
    if (row.offboarded_at) throw offboarded(row);
    await this.#em
      .fork()
      .execute(`update organisations set name = ?, updated_at = now() where id = ?`, [name, id]);
    return this.get(id);
  }

  /** Whether tokens naming this agency may act: it must be provisioned and not offboarded. */
  async status(id: string): Promise<AgencyStatus | 'not_provisioned'> {
    const [row] = await this.#em
      .fork()
      .execute<{ offboarded_at: Date | null }[]>(`select offboarded_at from organisations where id = ?`, [
        id,
      ]);
    if (!row) return 'not_provisioned';
    return row.offboarded_at ? 'offboarded' : 'active';
  }

  /**
   * Offboards the agency: its tokens are refused from the first step; every connection is
   * disconnected through the connection service (revoking at the CRM where its API allows, and
   * deleting every credential); then, in one transaction, its personal data is deleted and the
   * audit trail it leaves is redacted to counts, codes and rules. Running it again finishes an
   * interrupted offboarding. A dry run answers the same report and changes nothing.
   */
  async offboard(id: string, options: { dryRun: boolean }): Promise<OffboardingReport> {
    const agency = await this.#row(id);
    const disconnected: OffboardingReport['connections'] = [];
    let removed: OffboardingRemoved;
    let kept: OffboardingReport['kept'];

    if (options.dryRun) {
      const connections = await this.#connectionsOf(id);
      for (const connection of connections) {
        if (connection.status !== 'disconnected') disconnected.push(describeConnection(connection, null));
      }
      ({ removed, kept } = await this.#count(id, connections.length));
    } else {
      await this.#em
        .fork()
        .execute(
          `update organisations set offboarded_at = coalesce(offboarded_at, now()), updated_at = now() where id = ?`,
          [id],
        );
      removed = emptyRemoved();
      // A connect that passed its token check just before the agency was marked may still land:
      // the deletes wait until every connection is disconnected, so look again and repeat.
      for (let round = 1; ; round++) {
        const connections = await this.#connectionsOf(id);
        for (const connection of connections) {
          if (connection.status === 'disconnected') continue;
          const result = await this.#connections.disconnect(id, connection.id);
          disconnected.push(describeConnection(connection, result.accessAtProvider));
        }
        const outcome = await this.#remove(
          id,
          connections.map((connection) => connection.id),
        );
        if (outcome) {
          for (const key of Object.keys(removed) as Array<keyof OffboardingRemoved>) {
            removed[key] += outcome.removed[key];
          }
          kept = outcome.kept;
          break;
        }
        if (round === 3) {
          throw new PropsyncError(
            'AGENCY.BUSY',
            'Connections were being made while the agency was offboarded: offboard again to finish',
          );
        }
      }
      this.#logger.info({ organisationId: id, removed, kept }, 'agency offboarded');
    }
    return {
      agencyId: id,
      agencyName: agency.name,
      dryRun: options.dryRun,
      connections: disconnected,
      removed,
      kept,
      summary: summarise(options.dryRun, disconnected.length, removed, kept),
    };
  }

  async #connectionsOf(id: string): Promise<Array<{ id: string; provider: CrmProvider; status: string }>> {
    return this.#em
      .fork()
      .execute<{ id: string; provider: CrmProvider; status: string }[]>(
        `select id, provider, status from crm_connections where organisation_id = ? order by created_at`,
        [id],
      );
  }

  async #count(
    id: string,
    connectionCount: number,
  ): Promise<{ removed: OffboardingRemoved; kept: OffboardingReport['kept'] }> {
    const em = this.#em.fork();
    const count = async (sql: string): Promise<number> => {
      const [row] = await em.execute<{ n: number }[]>(sql, [id]);
      return row?.n ?? 0;
    };
    const removed = { scores: await count(SCORES_SQL) } as OffboardingRemoved;
    for (const [key, table] of REMOVED_TABLES) {
      removed[key] = await count(`select count(*)::int as n from ${table} where organisation_id = ?`);
    }
    return {
      removed,
      kept: {
        syncRuns: await count(`select count(*)::int as n from sync_runs where organisation_id = ?`),
        conflictAudits: await count(
          `select count(*)::int as n from conflict_audit where organisation_id = ?`,
        ),
        connections: connectionCount,
      },
    };
  }

  async #remove(
    id: string,
    connectionIds: string[],
  ): Promise<{ removed: OffboardingRemoved; kept: OffboardingReport['kept'] } | null> {
    try {
      return await this.#em.fork().transactional(async (tx) => {
        const count = async (sql: string, params: unknown[] = [id]): Promise<number> => {
          const [row] = await tx.execute<{ n: number }[]>(sql, params);
          return row?.n ?? 0;
        };
        // The one transaction allowed to redact this agency's conflict audit (see the migration
        // Migration20261202120000_agency_provisioning): the trigger checks this setting.
        await tx.execute(`select set_config('propsync.offboarding_organisation', ?, true)`, [id]);
        await tx.execute(`select set_config('lock_timeout', ?, true)`, [`${this.#lockTimeoutMs}ms`]);
        // A cycle still running (here or in another process) holds its connection's advisory lock:
        // wait for it, so no page of it lands after the deletes.
        for (const connectionId of connectionIds) {
          await tx.execute(`select pg_advisory_xact_lock(?, hashtext(?))`, [LOCK_NAMESPACE, connectionId]);
        }
        // Only once every connection is disconnected and locked: otherwise the caller disconnects again.
        const [{ unsettled } = { unsettled: 0 }] = await tx.execute<{ unsettled: number }[]>(
          `select count(*)::int as unsettled from crm_connections
           where organisation_id = ? and (status <> 'disconnected' or not (id::text in (select jsonb_array_elements_text(?::jsonb))))`,
          [id, JSON.stringify(connectionIds)],
        );
        if (unsettled > 0) return null;
        const removed = { scores: await count(SCORES_SQL) } as OffboardingRemoved;
        // Redacted before the contacts go: the audit rows point at them.
        await tx.execute(
          `update conflict_audit set contact_id = null, crm_version = '{}'::jsonb, platform_version = '{}'::jsonb,
             redacted_at = now() where organisation_id = ? and redacted_at is null`,
          [id],
        );
        const conflictAudits = await count(
          `select count(*)::int as n from conflict_audit where organisation_id = ?`,
        );
        for (const [key, table] of REMOVED_TABLES) {
          removed[key] = await count(
            `with deleted as (delete from ${table} where organisation_id = ? returning 1) select count(*)::int as n from deleted`,
          );
        }
        // Cycles keep their counts, windows and error codes; messages and record ids can name people.
        const syncRuns = await count(
          `with kept as (
             update sync_runs set cursor_before = null, cursor_after = null,
               errors = (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                   'code', e -> 'code', 'statusCode', e -> 'statusCode', 'retryState', e -> 'retryState', 'at', e -> 'at'))), '[]'::jsonb)
                 from jsonb_array_elements(errors) e)
             where organisation_id = ? returning 1)
           select count(*)::int as n from kept`,
        );
        await tx.execute(
          `update crm_connections set sync_cursor = null, last_error_message = null, updated_at = now() where organisation_id = ?`,
          [id],
        );
        await tx.execute(
          `update organisations set host_webhook_url = null, host_webhook_secret = null, scoring_policy = null,
             updated_at = now() where id = ?`,
          [id],
        );
        return { removed, kept: { syncRuns, conflictAudits, connections: connectionIds.length } };
      });
    } catch (error) {
      if (isLockTimeout(error)) {
        throw new PropsyncError(
          'AGENCY.BUSY',
          'A sync cycle of this agency is still finishing: its connections are disconnected; offboard again in a minute to remove its data',
        );
      }
      throw error;
    }
  }

  async #row(id: string): Promise<AgencyRow> {
    const [row] = await this.#select('o.id = ?', [id]);
    if (!row) throw new PropsyncError('AGENCY.NOT_FOUND', `No agency ${id} is provisioned in Propsync`);
    return row;
  }

  async #select(where: string, params: unknown[]): Promise<AgencyRow[]> {
    return this.#em.fork().execute<AgencyRow[]>(
      `select o.id, o.name, o.external_ref, o.created_at, o.offboarded_at,
         (select count(*)::int from crm_connections c where c.organisation_id = o.id and c.status <> 'disconnected')
           as active_connections
       from organisations o where ${where} order by o.created_at, o.id`,
      params,
    );
  }
}

function emptyRemoved(): OffboardingRemoved {
  return {
    contacts: 0,
    links: 0,
    activities: 0,
    scores: 0,
    syncLogEntries: 0,
    outboundWrites: 0,
    webhookDeliveries: 0,
    hostEvents: 0,
    alerts: 0,
    signInsInProgress: 0,
    fieldPolicies: 0,
  };
}

const SCORES_SQL = `select count(*)::int as n from contacts where organisation_id = ? and (intent_score <> 0 or hot_lead_at is not null)`;

function describeConnection(
  connection: { id: string; provider: CrmProvider },
  accessAtProvider: AccessAtProvider | null,
): OffboardingReport['connections'][number] {
  return {
    id: connection.id,
    provider: connection.provider,
    providerName: providerDisplayName(connection.provider),
    revokesAccess: findAdapter(connection.provider)?.revokeAccess !== undefined,
    accessAtProvider,
  };
}

function toSummary(row: AgencyRow): AgencySummary {
  return {
    id: row.id,
    name: row.name,
    externalRef: row.external_ref,
    status: row.offboarded_at ? 'offboarded' : 'active',
    createdAt: new Date(row.created_at).toISOString(),
    offboardedAt: row.offboarded_at ? new Date(row.offboarded_at).toISOString() : null,
    activeConnections: row.active_connections,
  };
}

function offboarded(row: AgencyRow): PropsyncError {
  return new PropsyncError('AGENCY.OFFBOARDED', `Agency ${row.id} was offboarded from Propsync`);
}

function summarise(
  dryRun: boolean,
  connections: number,
  removed: OffboardingRemoved,
  kept: OffboardingReport['kept'],
): string {
  const removedText = [
    `${removed.contacts} contacts`,
    `${removed.links} CRM links`,
    `${removed.activities} activities`,
    `${removed.scores} scores`,
    `${removed.syncLogEntries} sync log entries`,
  ].join(', ');
  const keptText = `${kept.syncRuns} sync runs and ${kept.conflictAudits} conflict audit entries stay, without personal data`;
  return dryRun
    ? `Would disconnect ${connections} connections and remove ${removedText}; ${keptText}. Nothing was changed.`
    : `Disconnected ${connections} connections and removed ${removedText}; ${keptText}.`;
}

function isLockTimeout(error: unknown): boolean {
  // PostgreSQL's lock_not_available, however the driver layer wraps it.
  for (
    let current = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    const record = current as { code?: unknown; sqlState?: unknown };
    if (record.code === '55P03' || record.sqlState === '55P03') return true;
    if (current instanceof Error && /lock timeout/i.test(current.message)) return true;
  }
  return false;
}
