import { defineEntity, p } from '@mikro-orm/core';
import type { CrmProvider } from '../../../../shared/providers.ts';
import { baseProperties, updatedAtProperty } from './base.ts';

/** A contact's identity in one CRM: unique per connection, one per contact and provider. */
export const ContactExternalId = defineEntity({
  name: 'ContactExternalId',
  tableName: 'contact_external_ids',
  properties: {
    ...baseProperties,
    contactId: p.uuid(),
    organisationId: p.uuid(),
    connectionId: p.uuid(),
    provider: p.text().$type<CrmProvider>(),
    externalId: p.text(),
    active: p.boolean().default(true),
    crmModifiedAt: p.datetime().nullable(),
    etag: p.text().nullable(),
    contentHash: p.text().nullable(),
    snapshot: p.json<Record<string, unknown>>().nullable(),
    matchedOn: p.array(),
    updatedAt: updatedAtProperty,
  },
});
