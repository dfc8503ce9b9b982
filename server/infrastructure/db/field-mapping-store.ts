import { z } from 'zod';
import {
  REVIEWED_FIELDS,
  type FieldCoverage,
  type FieldMappingStore,
  type ReviewedField,
} from '../../core/ports/field-mapping-store.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlTimestamp } from './sql.ts';

/** How to tell from the CRM's own version of a record (`s`, the link's snapshot) that a field was filled. */
const FILLED: Record<ReviewedField, string> = {
  title: `s->>'title' is not null`,
  firstName: `s->>'firstName' is not null`,
  lastName: `s->>'lastName' is not null`,
  emails: `jsonb_array_length(coalesce(s->'emails', '[]')) > 0`,
  phones: `jsonb_array_length(coalesce(s->'phones', '[]')) > 0`,
  'address.postcode': `s->'address'->>'postcode' is not null`,
  'address.uprn': `s->'address'->>'uprn' is not null`,
  'address.udprn': `s->'address'->>'udprn' is not null`,
  marketingConsent: `s->>'marketingConsent' <> 'not_asked'`,
  'profile.applicantType': `s->'profile'->>'applicantType' is not null`,
  'profile.tenancyStatus': `s->'profile'->>'tenancyStatus' is not null`,
  'profile.propertyInterest': `s->'profile'->>'propertyInterest' is not null`,
};

const CoverageRow = z.object({ records: z.number() }).catchall(z.number());

export class PostgresFieldMappingStore implements FieldMappingStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async confirmation(
    organisationId: string,
    connectionId: string,
  ): Promise<{ confirmedAt: Date | null } | null> {
    const row = await this.#sql.first(
      z.object({ field_mapping_confirmed_at: sqlTimestamp.nullable() }),
      `select field_mapping_confirmed_at from crm_connections where id = ? and organisation_id = ?`,
      [connectionId, organisationId],
    );
    return row ? { confirmedAt: row.field_mapping_confirmed_at } : null;
  }

  async coverage(organisationId: string, connectionId: string): Promise<FieldCoverage> {
    const coverage = await this.#sql.first(
      CoverageRow,
      `select count(*)::int as records, ${REVIEWED_FIELDS.map((field, index) => `count(*) filter (where ${FILLED[field]})::int as f${index}`).join(', ')}
       from (select snapshot as s from contact_external_ids where connection_id = ? and organisation_id = ? and active) links`,
      [connectionId, organisationId],
    );
    const categories = await this.#sql.rows(
      z.object({ category: z.string(), records: z.number() }),
      `select coalesce(snapshot->>'nurtureCategory', 'Unknown') as category, count(*)::int as records
       from contact_external_ids where connection_id = ? and organisation_id = ? and active
       group by 1 order by 2 desc, 1`,
      [connectionId, organisationId],
    );
    const filled = Object.fromEntries(
      REVIEWED_FIELDS.map((field, index) => [field, coverage?.[`f${index}`] ?? 0]),
    ) as Record<ReviewedField, number>;
    return { records: coverage?.records ?? 0, filled, categories };
  }

  async confirm(organisationId: string, connectionId: string): Promise<boolean> {
    const updated = await this.#sql.rows(
      z.object({ id: z.string() }),
      `update crm_connections set field_mapping_confirmed_at = now(), updated_at = now() where id = ? and organisation_id = ? returning id`,
      [connectionId, organisationId],
    );
    return updated.length > 0;
  }
}
