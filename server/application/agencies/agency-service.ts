import type { CrmProvider } from '../../../shared/providers.ts';
import { findAdapter, providerDisplayName } from '../../adapters/registry.ts';
import type { AccessAtProvider, ConnectionService } from '../connections/connection-service.ts';
import type { AgencyRecord, AgencyStore } from '../../core/ports/agency-store.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type {
  AgencyCreated,
  AgencyStatus,
  AgencySummary,
  OffboardingRemoved,
  OffboardingReport,
} from '../../../shared/api/agency.dto.ts';

/**
 * The host's side of tenancy: it provisions agencies (idempotently, by its own reference),
 * renames them and offboards them. Agency tokens for an agency not provisioned here, or
 * offboarded, are refused before any procedure runs.
 */
export class AgencyService {
  readonly #store: AgencyStore;
  readonly #connections: ConnectionService;
  readonly #logger: Logger;
  readonly #lockTimeoutMs: number;

  constructor(deps: {
    store: AgencyStore;
    connections: ConnectionService;
    logger: Logger;
    /** How long offboarding waits for a running sync cycle of the agency before answering busy. */
    lockTimeoutMs?: number;
  }) {
    this.#store = deps.store;
    this.#connections = deps.connections;
    this.#logger = deps.logger;
    this.#lockTimeoutMs = deps.lockTimeoutMs ?? 15_000;
  }

  /** Creates the agency, or answers the existing one when `externalRef` is already provisioned. */
  async create(input: { name: string; externalRef?: string | undefined }): Promise<AgencyCreated> {
    const externalRef = input.externalRef ?? null;
    // Two attempts: a concurrent create with the same reference makes the first insert a no-op.
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await this.#store.insertUnlessProvisioned(input.name, externalRef);
      if (inserted) {
        this.#logger.info({ organisationId: inserted, externalRef }, 'agency provisioned');
        return { id: inserted, created: true };
      }
      const existing = await this.#store.activeIdByExternalRef(externalRef);
      if (existing) return { id: existing, created: false };
    }
    throw new PropsyncError('AGENCY.BUSY', 'The agency was being created and offboarded at once: try again');
  }

  async list(): Promise<AgencySummary[]> {
    return (await this.#store.list()).map(toSummary);
  }

  async get(id: string): Promise<AgencySummary> {
    return toSummary(await this.#row(id));
  }

  async rename(id: string, name: string): Promise<AgencySummary> {
    const row = await this.#row(id);
    if (row.offboardedAt) throw offboarded(row);
    await this.#store.rename(id, name);
    return this.get(id);
  }

  /** Whether tokens naming this agency may act: it must be provisioned and not offboarded. */
  async status(id: string): Promise<AgencyStatus | 'not_provisioned'> {
    const row = await this.#store.offboardedAt(id);
    if (!row) return 'not_provisioned';
    return row.offboardedAt ? 'offboarded' : 'active';
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
      const counts = await this.#store.countData(id);
      removed = counts.removed;
      kept = {
        syncRuns: counts.syncRuns,
        conflictAudits: counts.conflictAudits,
        connections: connections.length,
      };
    } else {
      await this.#store.markOffboarded(id);
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
        const outcome = await this.#store.removeData(
          id,
          connections.map((connection) => connection.id),
          this.#lockTimeoutMs,
        );
        if (outcome) {
          for (const key of Object.keys(removed) as Array<keyof OffboardingRemoved>) {
            removed[key] += outcome.removed[key];
          }
          kept = {
            syncRuns: outcome.syncRuns,
            conflictAudits: outcome.conflictAudits,
            connections: connections.length,
          };
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
    return this.#store.connectionsOf(id);
  }

  async #row(id: string): Promise<AgencyRecord> {
    const row = await this.#store.find(id);
    if (!row) throw new PropsyncError('AGENCY.NOT_FOUND', `No agency ${id} is provisioned in Propsync`);
    return row;
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

function toSummary(row: AgencyRecord): AgencySummary {
  return {
    id: row.id,
    name: row.name,
    externalRef: row.externalRef,
    status: row.offboardedAt ? 'offboarded' : 'active',
    createdAt: row.createdAt.toISOString(),
    offboardedAt: row.offboardedAt ? row.offboardedAt.toISOString() : null,
    activeConnections: row.activeConnections,
  };
}

function offboarded(row: AgencyRecord): PropsyncError {
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
