import type { CanonicalContact } from '../../shared/contact.ts';
import type { CrmProvider } from '../../shared/providers.ts';

/** A CRM record of Olivia O'Brien with nothing but her name, unless `overrides` say otherwise. */
export function canonicalPerson(
  provider: CrmProvider,
  externalId: string,
  overrides: Partial<CanonicalContact> = {},
): CanonicalContact {
  return {
    title: null,
    firstName: 'Olivia',
    lastName: "O'Brien",
    emails: [],
    phones: [],
    address: null,
    nurtureCategory: 'Unknown',
    marketingConsent: 'granted',
    profile: {
      applicantType: null,
      tenancyStatus: null,
      propertyInterest: null,
      isVendor: false,
      isLandlord: false,
    },
    active: true,
    provenance: { provider, externalId, modifiedAt: '2026-11-01T10:00:00.000Z', etag: null },
    ...overrides,
  };
}
