import type { EntityManager } from '../../infrastructure/db/orm.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { FieldMappingSummary } from '../../../shared/api/connection.dto.ts';

/** Canonical fields an admin reviews, with how to tell from the CRM's own version that it was filled. */
const FIELDS = [
  { field: 'title', label: 'Title', filled: `s->>'title' is not null` },
  { field: 'firstName', label: 'First name', filled: `s->>'firstName' is not null` },
  { field: 'lastName', label: 'Last name', filled: `s->>'lastName' is not null` },
  {
    field: 'emails',
    label: 'Email addresses',
    filled: `jsonb_array_length(coalesce(s->'emails', '[]')) > 0`,
  },
  {
    field: 'phones',
    label: 'Phone numbers (E.164)',
    filled: `jsonb_array_length(coalesce(s->'phones', '[]')) > 0`,
  },
  { field: 'address.postcode', label: 'Postcode', filled: `s->'address'->>'postcode' is not null` },
  { field: 'address.uprn', label: 'UPRN', filled: `s->'address'->>'uprn' is not null` },
  { field: 'address.udprn', label: 'UDPRN', filled: `s->'address'->>'udprn' is not null` },
  { field: 'marketingConsent', label: 'Marketing consent', filled: `s->>'marketingConsent' <> 'not_asked'` },
  {
    field: 'profile.applicantType',
    label: 'Applicant type',
    filled: `s->'profile'->>'applicantType' is not null`,
  },
  {
    field: 'profile.tenancyStatus',
    label: 'Tenancy status',
    filled: `s->'profile'->>'tenancyStatus' is not null`,
  },
  {
    field: 'profile.propertyInterest',
    label: 'Property interest',
    filled: `s->'profile'->>'propertyInterest' is not null`,
  },
] as const;

export type { FieldMappingSummary };

/**
 * The field-mapping summary an admin reviews before going live (docs/product-rules.md), read from
 * each CRM's own version of its records (the link's snapshot), not the merged contact.
 */
export class FieldMappingReview {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async summary(organisationId: string, connectionId: string): Promise<FieldMappingSummary> {
    const em = this.#em.fork();
    const [connection] = await em.execute<{ field_mapping_confirmed_at: Date | null }[]>(
      `select field_mapping_confirmed_at from crm_connections where id = ? and organisation_id = ?`,
      [connectionId, organisationId],
    );
    if (!connection) throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    const [coverage] = await em.execute<Record<string, number>[]>(
      `select count(*)::int as records, ${FIELDS.map((entry, index) => `count(*) filter (where ${entry.filled})::int as f${index}`).join(', ')}
       from (select snapshot as s from contact_external_ids where connection_id = ? and organisation_id = ? and active) links`,
      [connectionId, organisationId],
    );
    const categories = await em.execute<{ category: string; records: number }[]>(
      `select coalesce(snapshot->>'nurtureCategory', 'Unknown') as category, count(*)::int as records
       from contact_external_ids where connection_id = ? and organisation_id = ? and active
       group by 1 order by 2 desc, 1`,
      [connectionId, organisationId],
    );
    return {
      connectionId,
      records: coverage?.records ?? 0,
      fields: FIELDS.map((entry, index) => ({
        field: entry.field,
        label: entry.label,
        filled: coverage?.[`f${index}`] ?? 0,
      })),
      categories,
      confirmedAt: connection.field_mapping_confirmed_at
        ? new Date(connection.field_mapping_confirmed_at).toISOString()
        : null,
    };
  }

  /** The admin has reviewed the mapping and accepts the suggested categories. */
  async confirm(organisationId: string, connectionId: string): Promise<FieldMappingSummary> {
    const updated = await this.#em
      .fork()
      .execute<{ id: string }[]>(
        `update crm_connections set field_mapping_confirmed_at = now(), updated_at = now() where id = ? and organisation_id = ? returning id`,
        [connectionId, organisationId],
      );
    if (updated.length === 0)
      throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    return this.summary(organisationId, connectionId);
  }
}
