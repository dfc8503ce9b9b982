import { defineEntity, p } from '@mikro-orm/core';
import {
  MARKETING_CONSENTS,
  NURTURE_CATEGORIES,
  type Address,
  type MarketingConsent,
  type NurtureCategory,
  type PropertyProfile,
} from '../../../../shared/contact.ts';
import { oneOfCheck, updatedAtProperty } from './base.ts';
import { organisationRowProperties } from './owners.ts';

export type Engagement = {
  opens?: number;
  clicks?: number;
  sequence?: string | null;
  sequenceStep?: number | null;
  scoredAt?: string;
  signals?: number;
  /** The score last queued for the CRMs (a decayed score is written back only when it moved materially). */
  writtenScore?: number;
  /** The signals behind the current score, largest first: what the admin reads. */
  reasons?: Array<{ type: string; occurredAt: string; weight: number; contribution: number }>;
};

/** The canonical contact, one per person per agency, whichever CRMs they appear in. */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  properties: {
    ...organisationRowProperties,
    title: p.text().nullable(),
    firstName: p.text().nullable(),
    lastName: p.text().nullable(),
    emails: p.array().defaultRaw(`'{}'`),
    phones: p.array().defaultRaw(`'{}'`),
    address: p.json<Address>().nullable(),
    postcode: p.text().nullable(),
    uprn: p.text().nullable(),
    udprn: p.text().nullable(),
    nurtureCategory: p.text().$type<NurtureCategory>().default('Unknown'),
    marketingConsent: p.text().$type<MarketingConsent>().default('not_asked'),
    profile: p.json<PropertyProfile>().defaultRaw(`'{}'::jsonb`),
    intentScore: p.decimal('number').precision(7).scale(2).default(0),
    engagement: p.json<Engagement>().defaultRaw(`'{}'::jsonb`),
    hotLeadAt: p.datetime().nullable(),
    /** The transactions that created and last changed the contact: the host feed's keyset (migration 20261203130000). */
    createdXid: p.string().columnType('xid8').defaultRaw('pg_current_xact_id()').lazy(),
    changedXid: p.string().columnType('xid8').defaultRaw('pg_current_xact_id()').lazy(),
    /** When the scheduled rescoring last claimed the contact (once per period, across processes). */
    rescoredAt: p.datetime().nullable(),
    /** A normalised name key for deduplication. */
    nameKey: p.text().nullable(),
    fieldModifiedAt: p.json<Record<string, string>>().defaultRaw(`'{}'::jsonb`),
    updatedAt: updatedAtProperty,
  },
  // Deduplication matches on each of these keys, so matching never scans. (`fastupdate` is set by a
  // migration; the schema comparison does not read index storage options.)
  indexes: [
    { name: 'contacts_organisation_idx', properties: ['organisationId', 'createdAt'] },
    { name: 'contacts_emails_idx', properties: ['emails'], type: 'gin', options: { fastupdate: 'off' } },
    { name: 'contacts_phones_idx', properties: ['phones'], type: 'gin', options: { fastupdate: 'off' } },
    {
      name: 'contacts_name_postcode_idx',
      properties: ['organisationId', 'nameKey', 'postcode'],
      where: 'name_key is not null',
    },
    { name: 'contacts_uprn_idx', properties: ['organisationId', 'uprn'], where: 'uprn is not null' },
    { name: 'contacts_udprn_idx', properties: ['organisationId', 'udprn'], where: 'udprn is not null' },
    { name: 'contacts_feed_full_idx', properties: ['organisationId', 'createdXid', 'id'] },
    { name: 'contacts_feed_changes_idx', properties: ['organisationId', 'changedXid', 'id'] },
    {
      name: 'contacts_rescore_due_idx',
      properties: ['rescoredAt'],
      where: 'intent_score > 0 or hot_lead_at is not null',
    },
  ],
  triggers: [
    {
      // The function (contacts_changed_xid) lives in migration 20261203130000: the comparison sees row triggers by name.
      name: 'contacts_changed_xid',
      timing: 'before',
      events: ['update'],
      expression: `create trigger contacts_changed_xid before update on contacts
        for each row execute function contacts_changed_xid()`,
    },
  ],
  checks: [
    oneOfCheck('contacts', 'nurture_category', NURTURE_CATEGORIES),
    oneOfCheck('contacts', 'marketing_consent', MARKETING_CONSENTS),
  ],
});

/** A row about one contact: deleting the contact (erasure, offboarding) deletes the row. */
export const contactOwned = {
  contactId: p.manyToOne(Contact).mapToPk().fieldName('contact_id').deleteRule('cascade'),
};
