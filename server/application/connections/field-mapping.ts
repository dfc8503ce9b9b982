import {
  CATEGORY_FACTS,
  type CategoryFact,
  type FieldAlternative,
  type FieldMappingSummary,
  type MappingHistoryEntry,
  type MappingOverrides,
} from '../../../shared/api/connection.dto.ts';
import type { NurtureCategory, PropertyProfile } from '../../../shared/contact.ts';
import type { CrmProvider } from '../../../shared/providers.ts';
import { findAdapter } from '../../adapters/registry.ts';
import { suggestNurtureCategory } from '../../core/domain/contact-normalisation.ts';
import { PropsyncError } from '../../core/errors.ts';
import {
  REVIEWED_FIELDS,
  type FieldMappingStore,
  type MappingState,
  type ReviewedField,
} from '../../core/ports/field-mapping-store.ts';

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

/** Each overridable fact in the admin's words. */
const CATEGORY_FACT_LABELS: Record<CategoryFact, string> = {
  'applicantType:buyer': 'Applicant buying',
  'applicantType:tenant': 'Applicant renting',
  'tenancyStatus:prospective': 'Prospective tenancy',
  'tenancyStatus:active': 'Active tenancy',
  'tenancyStatus:former': 'Former tenancy',
};

/** The category a fact suggests on its own (`applicantType:buyer` → a profile that only buys). */
function suggestedFor(fact: CategoryFact): NurtureCategory {
  const [key, value] = fact.split(':') as ['applicantType' | 'tenancyStatus', string];
  const profile = {
    applicantType: null,
    tenancyStatus: null,
    propertyInterest: null,
    isVendor: false,
    isLandlord: false,
    [key]: value,
  } as PropertyProfile;
  return suggestNurtureCategory(profile);
}

export const NO_OVERRIDES: MappingOverrides = { categories: {}, fields: {} };

/** Who did it, as the audit records it: the embed token's `sub` where the host sets one. */
export function adminActor(subject: string | null | undefined): string {
  return subject ? `admin:${subject}` : 'admin';
}

/**
 * Each override that differs between two sets, from → to (null: the suggestion), in a stable order:
 * what an audit row says changed.
 */
export function overridesDiff(
  before: MappingOverrides,
  after: MappingOverrides,
): MappingHistoryEntry['changes'] {
  const entries = (overrides: MappingOverrides) =>
    new Map<string, string>([
      ...Object.entries(overrides.categories).map(([fact, category]): [string, string] => [
        `category.${fact}`,
        category,
      ]),
      ...Object.entries(overrides.fields).map(([field, choice]): [string, string] => [
        `field.${field}`,
        choice,
      ]),
    ]);
  const from = entries(before);
  const to = entries(after);
  return [...new Set([...from.keys(), ...to.keys()])]
    .sort()
    .filter((key) => from.get(key) !== to.get(key))
    .map((key) => ({ key, from: from.get(key) ?? null, to: to.get(key) ?? null }));
}

/**
 * The field-mapping review an admin does (docs/product-rules.md), read from each CRM's own version
 * of its records (the link's snapshot), not the merged contact. Until it is confirmed the
 * connection imports but writes nothing back; overrides correct the suggested categories and, where
 * the CRM has several fields for one canonical field, which one is used. Every confirmation and
 * change of overrides is audited.
 */
export class FieldMappingReview {
  readonly #store: FieldMappingStore;
  readonly #requestPush: (connectionId: string) => Promise<void>;

  constructor(store: FieldMappingStore, requestPush: (connectionId: string) => Promise<void>) {
    this.#store = store;
    this.#requestPush = requestPush;
  }

  async summary(organisationId: string, connectionId: string): Promise<FieldMappingSummary> {
    const state = await this.#state(organisationId, connectionId);
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
      categoryRules: CATEGORY_FACTS.map((fact) => ({
        fact,
        label: CATEGORY_FACT_LABELS[fact],
        suggested: suggestedFor(fact),
        override: state.overrides.categories[fact] ?? null,
      })),
      fieldAlternatives: fieldAlternativesOf(state.provider, state.overrides),
      overrides: state.overrides,
      confirmedAt: state.confirmedAt ? state.confirmedAt.toISOString() : null,
      pendingWrites: state.pendingWrites,
    };
  }

  /**
   * The admin has reviewed the mapping: write-back starts, with the writes queued meanwhile (the
   * latest score of each contact). Audited with what changed since the last confirmation.
   */
  async confirm(organisationId: string, connectionId: string, actor: string): Promise<FieldMappingSummary> {
    const state = await this.#state(organisationId, connectionId);
    const changes = overridesDiff(state.confirmedOverrides ?? NO_OVERRIDES, state.overrides);
    if (
      !(await this.#store.confirm(organisationId, connectionId, {
        actor,
        changes,
        overrides: state.overrides,
      }))
    )
      throw notFound();
    if (state.pendingWrites > 0) await this.#requestPush(connectionId);
    return this.summary(organisationId, connectionId);
  }

  /**
   * Replaces the connection's overrides (audited, before or after confirmation) and re-categorises
   * the records already imported; records synced from now on are mapped with them.
   */
  async setOverrides(
    organisationId: string,
    connectionId: string,
    overrides: MappingOverrides,
    actor: string,
  ): Promise<FieldMappingSummary> {
    const state = await this.#state(organisationId, connectionId);
    checkFieldChoices(state.provider, overrides.fields);
    const changes = overridesDiff(state.overrides, overrides);
    if (changes.length > 0) {
      await this.#store.setOverrides(organisationId, connectionId, { actor, changes, overrides }, (record) =>
        suggestNurtureCategory(record.profile, overrides.categories),
      );
    }
    return this.summary(organisationId, connectionId);
  }

  async history(organisationId: string, connectionId: string): Promise<MappingHistoryEntry[]> {
    await this.#state(organisationId, connectionId);
    return this.#store.history(organisationId, connectionId);
  }

  async #state(organisationId: string, connectionId: string): Promise<MappingState> {
    const state = await this.#store.state(organisationId, connectionId);
    if (!state) throw notFound();
    return state;
  }
}

function notFound(): PropsyncError {
  return new PropsyncError('CONNECTION.NOT_FOUND', 'No such connection for this agency');
}

/** The CRM's declared alternatives (its adapter definition), with the admin's choice of each. */
function fieldAlternativesOf(provider: CrmProvider, overrides: MappingOverrides): FieldAlternative[] {
  const declared = findAdapter(provider)?.fieldAlternatives ?? {};
  return Object.entries(declared).map(([field, alternative]) => {
    const defaultChoice = alternative.choices[0]!.value;
    return {
      field,
      label: alternative.label,
      choices: alternative.choices.map((choice) => ({ ...choice })),
      defaultChoice,
      chosen: overrides.fields[field] ?? defaultChoice,
    };
  });
}

/** Only a field this CRM offers alternatives for, and only one of its choices, may be chosen. */
function checkFieldChoices(provider: CrmProvider, fields: Record<string, string>): void {
  const declared = findAdapter(provider)?.fieldAlternatives ?? {};
  for (const [field, choice] of Object.entries(fields)) {
    const alternative = declared[field];
    if (!alternative) {
      throw new PropsyncError(
        'REQUEST.INVALID',
        `This CRM has no alternatives for "${field}": ${Object.keys(declared).join(', ') || 'none'} can be chosen`,
      );
    }
    if (!alternative.choices.some((option) => option.value === choice)) {
      throw new PropsyncError(
        'REQUEST.INVALID',
        `"${choice}" is not one of this CRM's fields for ${field}: ${alternative.choices.map((option) => option.value).join(', ')}`,
      );
    }
  }
}
