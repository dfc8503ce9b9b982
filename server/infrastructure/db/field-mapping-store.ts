import { z } from 'zod';
import {
  CATEGORY_FACTS,
  type MappingHistoryEntry,
  type MappingOverrides,
} from '../../../shared/api/connection.dto.ts';
import {
  NurtureCategorySchema,
  PropertyProfileSchema,
  type NurtureCategory,
} from '../../../shared/contact.ts';
import { CrmProviderSchema } from '../../../shared/providers.ts';
import {
  REVIEWED_FIELDS,
  type CategorisedRecord,
  type FieldCoverage,
  type FieldMappingStore,
  type MappingAuditInput,
  type MappingState,
  type ReviewedField,
} from '../../core/ports/field-mapping-store.ts';
import { MAPPING_AUDIT_ACTIONS } from './entities/field-mapping-audit.entity.ts';
import type { EntityManager } from './orm.ts';
import { Sql, sqlJson, sqlTimestamp } from './sql.ts';

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

const OverridesJson: z.ZodType<MappingOverrides> = z.object({
  categories: z.partialRecord(z.enum(CATEGORY_FACTS), NurtureCategorySchema),
  fields: z.record(z.string(), z.string()),
});

const StateRow = z.object({
  provider: CrmProviderSchema,
  field_mapping_confirmed_at: sqlTimestamp.nullable(),
  field_mapping_overrides: OverridesJson,
  confirmed_overrides: OverridesJson.nullable(),
  pending_writes: z.number(),
});

const RecordRow = z.object({
  id: z.string(),
  contact_id: z.string(),
  profile: PropertyProfileSchema,
  category: NurtureCategorySchema,
});

const HistoryRow = z.object({
  id: z.string(),
  action: z.enum(MAPPING_AUDIT_ACTIONS),
  actor: z.string(),
  changes: z.array(z.object({ key: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  created_at: sqlTimestamp,
});

export class PostgresFieldMappingStore implements FieldMappingStore {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async state(organisationId: string, connectionId: string): Promise<MappingState | null> {
    const row = await this.#sql.first(
      StateRow,
      `select c.provider, c.field_mapping_confirmed_at, c.field_mapping_overrides,
         (select a.overrides from field_mapping_audit a where a.connection_id = c.id and a.action = 'confirmed'
          order by a.created_at desc, a.id limit 1) as confirmed_overrides,
         (select count(*)::int from outbound_writes w where w.connection_id = c.id
          and w.status in ('pending', 'in_flight', 'failed')) as pending_writes
       from crm_connections c where c.id = ? and c.organisation_id = ?`,
      [connectionId, organisationId],
    );
    return row
      ? {
          provider: row.provider,
          confirmedAt: row.field_mapping_confirmed_at,
          overrides: row.field_mapping_overrides,
          confirmedOverrides: row.confirmed_overrides,
          pendingWrites: row.pending_writes,
        }
      : null;
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

  async confirm(organisationId: string, connectionId: string, audit: MappingAuditInput): Promise<boolean> {
    return this.#sql.transaction(async (tx) => {
      const updated = await tx.rows(
        z.object({ id: z.string() }),
        `update crm_connections set field_mapping_confirmed_at = now(), updated_at = now()
         where id = ? and organisation_id = ? returning id`,
        [connectionId, organisationId],
      );
      if (updated.length === 0) return false;
      await writeAudit(tx, organisationId, connectionId, 'confirmed', audit);
      return true;
    });
  }

  async setOverrides(
    organisationId: string,
    connectionId: string,
    audit: MappingAuditInput,
    categoryFor: (record: CategorisedRecord) => NurtureCategory,
  ): Promise<number> {
    return this.#sql.transaction(async (tx) => {
      await tx.run(
        `update crm_connections set field_mapping_overrides = ?::jsonb, updated_at = now()
         where id = ? and organisation_id = ?`,
        [sqlJson(audit.overrides), connectionId, organisationId],
      );
      await writeAudit(tx, organisationId, connectionId, 'overrides_changed', audit);
      const records = await tx.rows(
        RecordRow,
        `select id, contact_id, snapshot -> 'profile' as profile, snapshot ->> 'nurtureCategory' as category
         from contact_external_ids where connection_id = ? and organisation_id = ? and snapshot -> 'profile' is not null`,
        [connectionId, organisationId],
      );
      const recategorised = records.flatMap((record) => {
        const category = categoryFor(record);
        return category === record.category
          ? []
          : [{ id: record.id, contact_id: record.contact_id, former: record.category, category }];
      });
      if (recategorised.length === 0) return 0;
      // The snapshot is the base of the next conflict check: it and the contact move together, so
      // the next sync of the record finds no change on either side.
      await tx.run(
        `with x as (select * from jsonb_to_recordset(?::jsonb) as x(id uuid, contact_id uuid, former text, category text)),
         links as (
           update contact_external_ids e set snapshot = jsonb_set(e.snapshot, '{nurtureCategory}', to_jsonb(x.category))
           from x where e.id = x.id)
         update contacts c set nurture_category = x.category, updated_at = now()
         from x where c.id = x.contact_id and c.organisation_id = ? and c.nurture_category = x.former`,
        [sqlJson(recategorised), organisationId],
      );
      return recategorised.length;
    });
  }

  async history(organisationId: string, connectionId: string): Promise<MappingHistoryEntry[]> {
    const rows = await this.#sql.rows(
      HistoryRow,
      `select id, action, actor, changes, created_at from field_mapping_audit
       where connection_id = ? and organisation_id = ? order by created_at desc, id`,
      [connectionId, organisationId],
    );
    return rows.map((row) => ({
      id: row.id,
      action: row.action,
      actor: row.actor,
      at: row.created_at.toISOString(),
      changes: row.changes,
    }));
  }
}

async function writeAudit(
  tx: Sql,
  organisationId: string,
  connectionId: string,
  action: MappingHistoryEntry['action'],
  audit: MappingAuditInput,
): Promise<void> {
  await tx.run(
    `insert into field_mapping_audit (organisation_id, connection_id, action, actor, changes, overrides)
     values (?, ?, ?, ?, ?::jsonb, ?::jsonb)`,
    [organisationId, connectionId, action, audit.actor, sqlJson(audit.changes), sqlJson(audit.overrides)],
  );
}
