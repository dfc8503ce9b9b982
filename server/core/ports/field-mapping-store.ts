import type { MappingHistoryEntry, MappingOverrides } from '../../../shared/api/connection.dto.ts';
import type { NurtureCategory, PropertyProfile } from '../../../shared/contact.ts';
import type { CrmProvider } from '../../../shared/providers.ts';

/** Canonical fields an admin reviews before going live, in the order the review shows them. */
export const REVIEWED_FIELDS = [
  'title',
  'firstName',
  'lastName',
  'emails',
  'phones',
  'address.postcode',
  'address.uprn',
  'address.udprn',
  'marketingConsent',
  'profile.applicantType',
  'profile.tenancyStatus',
  'profile.propertyInterest',
] as const;

export type ReviewedField = (typeof REVIEWED_FIELDS)[number];

/** How well a connection's records fill each reviewed field, counted over its active links' snapshots. */
export type FieldCoverage = {
  records: number;
  filled: Record<ReviewedField, number>;
  categories: Array<{ category: string; records: number }>;
};

/** Where a connection's mapping review stands. */
export type MappingState = {
  provider: CrmProvider;
  confirmedAt: Date | null;
  overrides: MappingOverrides;
  /** The overrides as last confirmed (null: never confirmed): what a confirmation's changes are counted from. */
  confirmedOverrides: MappingOverrides | null;
  /** Writes queued for the CRM and not yet done (held back while the mapping is unconfirmed). */
  pendingWrites: number;
};

/** One audit row to write with a confirmation or a change of overrides. */
export type MappingAuditInput = Pick<MappingHistoryEntry, 'actor' | 'changes'> & {
  overrides: MappingOverrides;
};

/** A link's record as last reconciled: its property facts and the category it got. */
export type CategorisedRecord = { profile: PropertyProfile; category: NurtureCategory };

/** What the field-mapping review reads and records, per connection of an agency. */
export interface FieldMappingStore {
  /** Null when the agency has no such connection. */
  state(organisationId: string, connectionId: string): Promise<MappingState | null>;
  /** Read from each CRM's own version of its records (the link's snapshot), not the merged contact. */
  coverage(organisationId: string, connectionId: string): Promise<FieldCoverage>;
  /** Records the confirmation, audited, in one transaction; false when the agency has no such connection. */
  confirm(organisationId: string, connectionId: string, audit: MappingAuditInput): Promise<boolean>;
  /**
   * Saves the overrides, audited, and re-categorises the records already imported in the same
   * transaction: each link's snapshot gets `categoryFor` its facts, and its contact too where the
   * contact held this CRM's former category. Answers how many records changed category.
   */
  setOverrides(
    organisationId: string,
    connectionId: string,
    audit: MappingAuditInput,
    categoryFor: (record: CategorisedRecord) => NurtureCategory,
  ): Promise<number>;
  /** The connection's audit, newest first. */
  history(organisationId: string, connectionId: string): Promise<MappingHistoryEntry[]>;
}
