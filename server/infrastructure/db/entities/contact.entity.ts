import { defineEntity, p } from '@mikro-orm/core';
import type { Address, MarketingConsent, NurtureCategory, PropertyProfile } from '../../../../shared/contact.ts';
import { baseProperties, updatedAtProperty } from './base.ts';

export type Engagement = {
  opens?: number;
  clicks?: number;
  sequence?: string | null;
  sequenceStep?: number | null;
};

/** The canonical contact, one per person per agency, whichever CRMs they appear in. */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  properties: {
    ...baseProperties,
    organisationId: p.uuid(),
    title: p.text().nullable(),
    firstName: p.text().nullable(),
    lastName: p.text().nullable(),
    emails: p.array(),
    phones: p.array(),
    address: p.json<Address>().nullable(),
    postcode: p.text().nullable(),
    uprn: p.text().nullable(),
    udprn: p.text().nullable(),
    nurtureCategory: p.text().$type<NurtureCategory>().default('Unknown'),
    marketingConsent: p.text().$type<MarketingConsent>().default('not_asked'),
    profile: p.json<PropertyProfile>(),
    intentScore: p.decimal('number').precision(7).scale(2).default(0),
    engagement: p.json<Engagement>(),
    hotLeadAt: p.datetime().nullable(),
    nameKey: p.text().nullable(),
    fieldModifiedAt: p.json<Record<string, string>>(),
    updatedAt: updatedAtProperty,
  },
});
