import type { MarketingConsent } from '../../../shared/contact.ts';
import type { ConsentChannel, PlatformEditableField } from '../../../shared/platform-changes.ts';
import { PLATFORM_EDITABLE_FIELDS } from '../../../shared/platform-changes.ts';
import type { FieldPolicy } from './conflict-resolution.ts';

/**
 * What the host platform may change itself (README, "Consent and edits from the host"): consent, and
 * the contact fields the agency's field policy gives the platform. Both go out to every linked CRM.
 */

/**
 * The CRM field each consent channel reaches. Every CRM holds one marketing consent (docs/crms), which
 * is what nurture email depends on, so only email reaches the CRMs; the other channels are kept in
 * Propsync only.
 */
export const CONSENT_CHANNEL_FIELD: Record<ConsentChannel, 'marketingConsent' | null> = {
  email: 'marketingConsent',
  sms: null,
  phone: null,
  post: null,
};

/** The one channel the CRMs' marketing consent stands for. */
export const CRM_CONSENT_CHANNEL: ConsentChannel = 'email';

/** The platform's latest explicit consent for the channel a CRM holds, and when the person gave it. */
export type PlatformConsent = { status: 'granted' | 'denied'; at: string };

/** A CRM's consent as a record of it arrives, with when the CRM last modified that record. */
export type CrmConsent = { consent: MarketingConsent; modifiedAt: string };

/**
 * Deny-wins in both directions, whichever arrives later:
 * - a platform opt-out stands against anything a CRM brings; only a newer explicit consent recorded
 *   in the platform (which replaces the platform's record) lifts it;
 * - a CRM's "denied" wins over an older platform "granted"; one the platform's consent postdates
 *   (the record was last modified before it) was given back in the platform;
 * - a platform "granted" stands against a CRM that has no answer ("not asked").
 * Without a platform record the CRM's value stands.
 */
export function standingMarketingConsent(
  platform: PlatformConsent | null,
  crm: CrmConsent,
): MarketingConsent {
  if (platform === null) return crm.consent;
  if (platform.status === 'denied') return 'denied';
  if (crm.consent === 'denied' && Date.parse(crm.modifiedAt) > Date.parse(platform.at)) return 'denied';
  return 'granted';
}

/** A requested field the platform may not change, and why, in words a host developer can act on. */
export type RefusedField = { field: string; reason: string };

/**
 * Which requested fields the platform may change: those a CRM can be written (names, emails,
 * phones) that the agency's field policy gives the platform (`platform_wins`).
 */
export function refusedPlatformFields(requested: readonly string[], policy: FieldPolicy): RefusedField[] {
  return requested.flatMap((field): RefusedField[] => {
    if (field === 'marketingConsent')
      return [{ field, reason: 'consent is recorded with contacts.recordConsent' }];
    if (!(PLATFORM_EDITABLE_FIELDS as readonly string[]).includes(field))
      return [{ field, reason: 'not a contact field Propsync writes to the CRMs' }];
    const rule = policy[field as PlatformEditableField] ?? 'most_recent';
    if (rule !== 'platform_wins')
      return [{ field, reason: `its rule in the agency's field policy is ${rule}, not platform_wins` }];
    return [];
  });
}
