import { z } from 'zod';
import { MarketingConsentSchema, NurtureCategorySchema } from '../../../../shared/contact.ts';
import { providerDisplayName } from '../../../adapters/registry.ts';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import type { EntityManager } from '../orm.ts';
import { Sql, sqlTimestamp, type SqlParam } from '../sql.ts';
import { containsPattern, toIso, toIsoRequired } from './query-support.ts';
import type { ContactExternalIdView, ContactLookupResult } from '../../../../shared/api/contact.dto.ts';

export type { ContactExternalIdView, ContactLookupResult };

export type ContactLookupBy = 'email' | 'name' | 'externalId';

const ContactRow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  postcode: z.string().nullable(),
  nurture_category: NurtureCategorySchema,
  marketing_consent: MarketingConsentSchema,
  created_at: sqlTimestamp,
  updated_at: sqlTimestamp,
  external_ids: z.array(
    z.object({
      provider: CrmProviderSchema,
      connection_id: z.string(),
      external_id: z.string(),
      active: z.boolean(),
      crm_modified_at: z.string().nullable(),
      matched_on: z.array(z.string()).nullable(),
      created_at: z.string(),
    }),
  ),
});

/** Finds an agency's contacts by email, name or CRM id, with their identity in every CRM. */
export class ContactQueries {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async lookup(
    organisationId: string,
    query: { by: ContactLookupBy; value: string; limit: number },
  ): Promise<ContactLookupResult[]> {
    const value = query.value.trim();
    if (value === '') return [];
    let match: string;
    let params: SqlParam[];
    if (query.by === 'email') {
      // Emails are stored lower-cased; the GIN index answers the containment.
      match = `ct.emails @> array[?]::text[]`;
      params = [value.toLowerCase()];
    } else if (query.by === 'name') {
      match = `concat_ws(' ', ct.first_name, ct.last_name) ilike ?`;
      params = [containsPattern(value)];
    } else {
      match = `exists (select 1 from contact_external_ids m where m.contact_id = ct.id and m.organisation_id = ct.organisation_id
        and m.external_id = ?)`;
      params = [value];
    }
    const rows = await this.#sql.rows(
      ContactRow,
      `select ct.id, nullif(trim(concat_ws(' ', ct.first_name, ct.last_name)), '') as name, ct.emails, ct.phones,
         ct.postcode, ct.nurture_category, ct.marketing_consent, ct.created_at, ct.updated_at,
         coalesce((select jsonb_agg(jsonb_build_object('provider', e.provider, 'connection_id', e.connection_id,
             'external_id', e.external_id, 'active', e.active, 'crm_modified_at', e.crm_modified_at,
             'matched_on', e.matched_on, 'created_at', e.created_at) order by e.created_at, e.id)
           from contact_external_ids e where e.contact_id = ct.id and e.organisation_id = ct.organisation_id), '[]'::jsonb)
           as external_ids
       from contacts ct
       where ct.organisation_id = ? and ${match}
       order by ct.last_name nulls last, ct.first_name nulls last, ct.id limit ?`,
      [organisationId, ...params, query.limit],
    );
    return rows.map((row) => {
      const externalIds = row.external_ids.map((link): ContactExternalIdView => ({
        provider: link.provider,
        providerName: providerDisplayName(link.provider),
        connectionId: link.connection_id,
        externalId: link.external_id,
        active: link.active,
        crmModifiedAt: toIso(link.crm_modified_at),
        matchedOn: link.matched_on ?? [],
        linkedAt: toIsoRequired(link.created_at),
      }));
      return {
        id: row.id,
        name: row.name ?? 'Unnamed contact',
        emails: row.emails,
        phones: row.phones,
        postcode: row.postcode,
        nurtureCategory: row.nurture_category,
        marketingConsent: row.marketing_consent,
        createdAt: toIsoRequired(row.created_at),
        updatedAt: toIsoRequired(row.updated_at),
        provenance: externalIds[0] ?? null,
        externalIds,
      };
    });
  }
}
