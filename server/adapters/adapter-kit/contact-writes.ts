/** How several CRMs' writes carry a change to a contact, each under its own names. */
import type { CanonicalContact, MarketingConsent } from '../../../shared/contact.ts';
import type { NameFieldNames } from './contact-fields.ts';

/** A yes/no consent flag as the CRM stores it (agentOS, Street): never asked is unset (null). */
export function flagFromConsent(consent: MarketingConsent): boolean | null {
  if (consent === 'granted') return true;
  if (consent === 'denied') return false;
  return null;
}

/**
 * A change's name fields under the CRM's own names, only those given: the start of a write. A
 * field the CRM requires (`neverCleared`) is left out when the change would clear it.
 */
export function renamedNameFields(
  fields: Partial<Pick<CanonicalContact, keyof NameFieldNames>>,
  names: NameFieldNames,
  neverCleared: ReadonlyArray<keyof NameFieldNames> = [],
): Record<string, string | null> {
  const renamed: Record<string, string | null> = {};
  for (const field of ['title', 'firstName', 'lastName'] as const) {
    const value = fields[field];
    if (value === undefined || (value === null && neverCleared.includes(field))) continue;
    renamed[names[field]] = value;
  }
  return renamed;
}
