import { defineEntity, p } from '@mikro-orm/core';
import type { CrmProvider } from '../../../../shared/providers.ts';
import { uniqueKey, updatedAtProperty } from './base.ts';
import { contactOwned } from './contact.entity.ts';
import { CrmProviderRecord } from './crm-provider.entity.ts';
import { connectionRowProperties } from './owners.ts';

/** A contact's identity in one CRM: unique per connection; a person may appear twice in one CRM. */
export const ContactExternalId = defineEntity({
  name: 'ContactExternalId',
  tableName: 'contact_external_ids',
  properties: {
    ...connectionRowProperties,
    ...contactOwned,
    provider: p.manyToOne(CrmProviderRecord).mapToPk().fieldName('provider').$type<CrmProvider>(),
    externalId: p.text(),
    active: p.boolean().default(true),
    crmModifiedAt: p.datetime().nullable(),
    etag: p.text().nullable(),
    contentHash: p.text().nullable(),
    snapshot: p.json<Record<string, unknown>>().nullable(),
    matchedOn: p.array().defaultRaw(`'{}'`),
    /** Consecutive complete reconciliations that did not find the record in the CRM's listing. */
    reconcileMisses: p.integer().default(0),
    updatedAt: updatedAtProperty,
  },
  uniques: [uniqueKey('contact_external_ids', 'connectionId', 'externalId')],
  indexes: [{ name: 'contact_external_ids_contact_idx', properties: ['contactId', 'provider'] }],
});
