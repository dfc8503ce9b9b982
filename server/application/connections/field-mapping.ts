import { PropsyncError } from '../../core/errors.ts';
import {
  REVIEWED_FIELDS,
  type FieldMappingStore,
  type ReviewedField,
} from '../../core/ports/field-mapping-store.ts';
import type { FieldMappingSummary } from '../../../shared/api/connection.dto.ts';

/** What the admin reads for each reviewed field. */
const LABELS: Record<ReviewedField, string> = {
  title: 'Title',
  firstName: 'First name',
  lastName: 'Last name',
  emails: 'Email addresses',
  phones: 'Phone numbers (E.164)',
  'address.postcode': 'Postcode',
  'address.uprn': 'UPRN',
  'address.udprn': 'UDPRN',
  marketingConsent: 'Marketing consent',
  'profile.applicantType': 'Applicant type',
  'profile.tenancyStatus': 'Tenancy status',
  'profile.propertyInterest': 'Property interest',
};

export type { FieldMappingSummary };

/**
 * The field-mapping summary an admin reviews before going live (docs/product-rules.md), read from
 * each CRM's own version of its records (the link's snapshot), not the merged contact.
 */
export class FieldMappingReview {
  readonly #store: FieldMappingStore;

  constructor(store: FieldMappingStore) {
    this.#store = store;
  }

  async summary(organisationId: string, connectionId: string): Promise<FieldMappingSummary> {
    const connection = await this.#store.confirmation(organisationId, connectionId);
    if (!connection) throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    const coverage = await this.#store.coverage(organisationId, connectionId);
    return {
      connectionId,
      records: coverage.records,
      fields: REVIEWED_FIELDS.map((field) => ({
        field,
        label: LABELS[field],
        filled: coverage.filled[field],
      })),
      categories: coverage.categories,
      confirmedAt: connection.confirmedAt ? connection.confirmedAt.toISOString() : null,
    };
  }

  /** The admin has reviewed the mapping and accepts the suggested categories. */
  async confirm(organisationId: string, connectionId: string): Promise<FieldMappingSummary> {
    if (!(await this.#store.confirm(organisationId, connectionId)))
      throw new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
    return this.summary(organisationId, connectionId);
  }
}
