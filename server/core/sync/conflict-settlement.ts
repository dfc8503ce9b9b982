import { createHash } from 'node:crypto';
import type { CanonicalContact } from '../../../shared/contact.ts';
import {
  DEFAULT_FIELD_POLICY,
  resolveContactFields,
  sameValue,
  type FieldPolicy,
  type FieldResolution,
  type FieldRule,
  type ResolutionOutcome,
} from '../domain/conflict-resolution.ts';
import { standingMarketingConsent, type PlatformConsent } from '../domain/platform-changes.ts';

/** What Propsync holds for a record of the page it already links, as the store reads it before planning. */
export type ContactLink = {
  externalId: string;
  contactId: string;
  contentHash: string | null;
  crmModifiedAt: string | null;
  /** When the link was last reconciled. */
  reconciledAt: string;
  /** The CRM's version as last reconciled: the base for telling which side changed a field. */
  snapshot: Record<string, unknown> | null;
  /** Propsync's current values of the contact. */
  current: Record<string, unknown>;
  /** Fields Propsync itself edited, with when. */
  fieldModifiedAt: Record<string, string>;
  /** The platform's own consent record for the channel CRMs hold, when the host recorded one. */
  platformConsent?: PlatformConsent | null;
};

/** The immutable record of a conflict and how each field was settled. */
export type ConflictAudit = {
  contactId: string;
  crmVersion: Record<string, unknown>;
  platformVersion: Record<string, unknown>;
  crmModifiedAt: string;
  platformModifiedAt: string;
  differingFields: string[];
  resolutions: FieldResolution[];
  winner: 'crm' | 'platform' | 'mixed';
};

/** Propsync's surviving values, queued for write-back to the CRM. */
export type ContactPush = {
  contactId: string;
  /** Same change, same key: queueing it twice writes to the CRM once. */
  idempotencyKey: string;
  payload: { externalId: string; etag: string | null; fields: Record<string, unknown> };
};

export type Settlement = {
  /** What the contact row gets. */
  values: CanonicalContact;
  audit: ConflictAudit | null;
  push: ContactPush | null;
};

/** The field rules in force for an agency: the defaults, then global rows, then the agency's own. */
export function fieldPolicyFrom(rows: Array<{ field: string; rule: FieldRule }>): FieldPolicy {
  return { ...DEFAULT_FIELD_POLICY, ...Object.fromEntries(rows.map((row) => [row.field, row.rule])) };
}

/**
 * A CRM change to a contact Propsync may also have changed: where both sides moved, each field is
 * settled by the policy, the conflict is audited and Propsync's surviving values are pushed back.
 * Where only the CRM moved, its record is stored as it is.
 */
export function settleLinkedUpdate(
  link: ContactLink,
  contact: CanonicalContact,
  policy: FieldPolicy,
): Settlement {
  const base = link.snapshot ?? {};
  const crm = crmFieldsOf(contact);
  const reconciledAt = new Date(link.reconciledAt).getTime();
  // A CRM-carried field counts as Propsync's change only while it still differs from the base;
  // Propsync-only fields count when edited since the last reconciliation.
  const platformChangedAt = Object.fromEntries(
    Object.entries(link.fieldModifiedAt ?? {}).filter(([field, at]) =>
      field in crm ? !sameValue(link.current[field], base[field]) : Date.parse(at) > reconciledAt,
    ),
  );
  const outcome: ResolutionOutcome =
    Object.keys(platformChangedAt).length === 0
      ? { merged: { ...crm }, conflict: null, platformFieldsToPush: [] }
      : resolveContactFields({
          base,
          crm,
          platform: link.current,
          platformChangedAt,
          crmModifiedAt: contact.provenance.modifiedAt,
          policy,
        });
  if (link.platformConsent) applyPlatformConsent(outcome, link, contact, base);
  const audit: ConflictAudit | null = outcome.conflict && {
    contactId: link.contactId,
    crmVersion: crm,
    platformVersion: link.current,
    crmModifiedAt: contact.provenance.modifiedAt,
    platformModifiedAt: [
      ...Object.values(platformChangedAt),
      ...(link.platformConsent ? [link.platformConsent.at] : []),
    ]
      .sort()
      .at(-1)!,
    differingFields: outcome.conflict.differingFields,
    resolutions: outcome.conflict.resolutions,
    winner: outcome.conflict.winner,
  };
  const push =
    outcome.platformFieldsToPush.length === 0
      ? null
      : contactPush(
          link.contactId,
          contact,
          Object.fromEntries(outcome.platformFieldsToPush.map((field) => [field, outcome.merged[field]])),
        );
  return { values: { ...contact, ...(outcome.merged as Partial<CanonicalContact>) }, audit, push };
}

/** Propsync's values of some fields, to write to the CRM record `contact` came from. */
function contactPush(
  contactId: string,
  contact: CanonicalContact,
  fields: Record<string, unknown>,
): ContactPush {
  const digest = createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
  return {
    contactId,
    idempotencyKey: `contact-update:${contact.provenance.externalId}:${digest}`,
    payload: { externalId: contact.provenance.externalId, etag: contact.provenance.etag, fields },
  };
}

/**
 * A CRM record newly linked to a contact whose consent the platform recorded: the record gets the
 * standing consent (deny-wins) when it holds another. The contact keeps its own values (a merge).
 */
export function consentPushForNewLink(
  contactId: string,
  contact: CanonicalContact,
  platformConsent: PlatformConsent,
): ContactPush | null {
  const standing = standingMarketingConsent(platformConsent, {
    consent: contact.marketingConsent,
    modifiedAt: contact.provenance.modifiedAt,
  });
  return standing === contact.marketingConsent
    ? null
    : contactPush(contactId, contact, { marketingConsent: standing });
}

/**
 * The platform's consent record settles marketing consent by deny-wins (standingMarketingConsent),
 * whichever side changed: the standing value is stored, written back where the CRM holds another,
 * and audited when the CRM's change to it lost, or beat a platform value that differed.
 */
function applyPlatformConsent(
  outcome: ResolutionOutcome,
  link: ContactLink,
  contact: CanonicalContact,
  base: Record<string, unknown>,
): void {
  const field = 'marketingConsent';
  const standing = standingMarketingConsent(link.platformConsent!, {
    consent: contact.marketingConsent,
    modifiedAt: contact.provenance.modifiedAt,
  });
  outcome.merged[field] = standing;
  outcome.platformFieldsToPush = outcome.platformFieldsToPush.filter((name) => name !== field);
  if (standing !== contact.marketingConsent) outcome.platformFieldsToPush.push(field);
  const crmMovedIt = !sameValue(contact.marketingConsent, base[field]);
  if (!crmMovedIt || sameValue(contact.marketingConsent, link.current[field])) return;
  const resolution: FieldResolution = {
    field,
    winner: standing === contact.marketingConsent ? 'crm' : 'platform',
    rule: 'deny_wins',
  };
  const conflict = outcome.conflict ?? { differingFields: [], resolutions: [], winner: resolution.winner };
  const resolutions = [...conflict.resolutions.filter((each) => each.field !== field), resolution];
  const winners = new Set(resolutions.map((each) => each.winner));
  outcome.conflict = {
    differingFields: [...new Set([...conflict.differingFields, field])].sort(),
    resolutions,
    winner: winners.size === 1 ? resolution.winner : 'mixed',
  };
}

/** The contact fields a CRM carries, as the conflict resolver compares them. */
export type CrmContactFields = Pick<
  CanonicalContact,
  | 'title'
  | 'firstName'
  | 'lastName'
  | 'emails'
  | 'phones'
  | 'address'
  | 'nurtureCategory'
  | 'marketingConsent'
>;

export function crmFieldsOf(contact: CanonicalContact): CrmContactFields {
  return {
    title: contact.title,
    firstName: contact.firstName,
    lastName: contact.lastName,
    emails: contact.emails,
    phones: contact.phones,
    address: contact.address,
    nurtureCategory: contact.nurtureCategory,
    marketingConsent: contact.marketingConsent,
  };
}
