import { providerDisplayName } from '../../../adapters/registry.ts';
import { z } from 'zod';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import type { EntityManager } from '../orm.ts';
import { Sql, sqlTimestamp } from '../sql.ts';
import {
  Conditions,
  countedPage,
  MICROSECOND_TIMESTAMP,
  newestFirst,
  toIsoRequired,
  type Page,
  type PageRequest,
} from './query-support.ts';
import type {
  ConflictDetail,
  ConflictFieldDiff,
  ConflictSummary,
  ConflictWinner,
} from '../../../../shared/api/conflict.dto.ts';

export type { ConflictDetail, ConflictFieldDiff, ConflictSummary, ConflictWinner };

export type ConflictFilters = {
  connectionId?: string | undefined;
  contactId?: string | undefined;
  syncRunId?: string | undefined;
};

const WINNERS = ['crm', 'platform', 'mixed'] as const satisfies readonly ConflictWinner[];

const ConflictRow = z.object({
  id: z.string(),
  contact_id: z.string(),
  contact_name: z.string().nullable(),
  connection_id: z.string().nullable(),
  provider: CrmProviderSchema.nullable(),
  sync_run_id: z.string().nullable(),
  differing_fields: z.array(z.string()),
  winner: z.enum(WINNERS),
  crm_modified_at: sqlTimestamp,
  platform_modified_at: sqlTimestamp,
  created_at: sqlTimestamp,
  created_at_exact: z.string(),
});
type ConflictRow = z.infer<typeof ConflictRow>;

const ConflictDetailRow = ConflictRow.extend({
  crm_version: z.record(z.string(), z.unknown()),
  platform_version: z.record(z.string(), z.unknown()),
  resolutions: z.array(
    z.object({ field: z.string(), winner: z.enum(['crm', 'platform']), rule: z.string() }),
  ),
});

const CONFLICT_COLUMNS = `a.id, a.contact_id, nullif(trim(concat_ws(' ', ct.first_name, ct.last_name)), '') as contact_name,
  a.connection_id, c.provider, a.sync_run_id, a.differing_fields, a.winner, a.crm_modified_at, a.platform_modified_at,
  a.created_at, to_char(a.created_at at time zone 'UTC', ${MICROSECOND_TIMESTAMP}) as created_at_exact`;

const CONFLICT_FROM = `conflict_audit a
  join contacts ct on ct.id = a.contact_id and ct.organisation_id = a.organisation_id
  left join crm_connections c on c.id = a.connection_id`;

/** The immutable field-level conflict audit, read side. Always filtered by the agency. */
export class ConflictQueries {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async list(
    organisationId: string,
    filters: ConflictFilters,
    page: PageRequest,
  ): Promise<Page<ConflictSummary>> {
    const where = new Conditions('a.organisation_id = ?', organisationId)
      .whenGiven(filters.connectionId, 'a.connection_id = ?')
      .whenGiven(filters.contactId, 'a.contact_id = ?')
      .whenGiven(filters.syncRunId, 'a.sync_run_id = ?');
    return countedPage(
      this.#sql,
      {
        row: ConflictRow,
        countFrom: 'conflict_audit a',
        select: `select ${CONFLICT_COLUMNS} from ${CONFLICT_FROM}`,
        where,
        keyset: newestFirst<ConflictRow>('a.created_at', 'a.id', (row) => row.created_at_exact),
        toItem: toSummary,
      },
      page,
    );
  }

  async get(organisationId: string, conflictId: string): Promise<ConflictDetail | null> {
    const row = await this.#sql.first(
      ConflictDetailRow,
      `select ${CONFLICT_COLUMNS}, a.crm_version, a.platform_version, a.resolutions from ${CONFLICT_FROM}
         where a.organisation_id = ? and a.id = ?`,
      [organisationId, conflictId],
    );
    if (!row) return null;
    const crmVersion = row.crm_version;
    const platformVersion = row.platform_version;
    const resolutions = row.resolutions;
    // Differing fields first, in the order recorded; then any resolved field not listed as differing.
    const fieldNames = [
      ...new Set([...row.differing_fields, ...resolutions.map((resolution) => resolution.field)]),
    ];
    return {
      ...toSummary(row),
      crmVersion,
      platformVersion,
      fields: fieldNames.map((field) => {
        const resolution = resolutions.find((candidate) => candidate.field === field);
        return {
          field,
          crmValue: crmVersion[field] ?? null,
          platformValue: platformVersion[field] ?? null,
          winner: resolution?.winner ?? null,
          rule: resolution?.rule ?? null,
        };
      }),
    };
  }
}

function toSummary(row: ConflictRow): ConflictSummary {
  return {
    id: row.id,
    contactId: row.contact_id,
    contactName: row.contact_name ?? 'Unnamed contact',
    connectionId: row.connection_id,
    provider: row.provider,
    providerName: row.provider ? providerDisplayName(row.provider) : null,
    syncRunId: row.sync_run_id,
    differingFields: row.differing_fields,
    winner: row.winner,
    crmModifiedAt: toIsoRequired(row.crm_modified_at),
    platformModifiedAt: toIsoRequired(row.platform_modified_at),
    createdAt: toIsoRequired(row.created_at),
  };
}
