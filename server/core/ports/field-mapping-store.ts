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

/** What the field-mapping review reads and records, per connection of an agency. */
export interface FieldMappingStore {
  /** Null when the agency has no such connection. */
  confirmation(organisationId: string, connectionId: string): Promise<{ confirmedAt: Date | null } | null>;
  /** Read from each CRM's own version of its records (the link's snapshot), not the merged contact. */
  coverage(organisationId: string, connectionId: string): Promise<FieldCoverage>;
  /** Records the review; false when the agency has no such connection. */
  confirm(organisationId: string, connectionId: string): Promise<boolean>;
}
