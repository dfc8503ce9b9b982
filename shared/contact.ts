import { z } from 'zod';
import {
  APPLICANT_TYPES,
  MARKETING_CONSENTS,
  TENANCY_STATUSES,
  NURTURE_CATEGORIES,
  type MarketingConsent,
  type NurtureCategory,
} from './api/contact.dto.ts';
import { CrmProviderSchema } from './providers.ts';

export { NURTURE_CATEGORIES, MARKETING_CONSENTS, type MarketingConsent, type NurtureCategory };
export const NurtureCategorySchema = z.enum(NURTURE_CATEGORIES);
export const MarketingConsentSchema = z.enum(MARKETING_CONSENTS);

/** E.164: a plus sign and 8 to 15 digits. Adapters normalise before building a contact. */
export const E164Schema = z.string().regex(/^\+[1-9]\d{7,14}$/, 'phone numbers must be E.164, e.g. +447123456789');

export const AddressSchema = z.object({
  lines: z.array(z.string()).max(6),
  town: z.string().nullable(),
  postcode: z.string().nullable(),
  countryCode: z.string().nullable(),
  /** Unique Property Reference Number, when the CRM knows it (Alto). */
  uprn: z.string().nullable(),
  /** Royal Mail Unique Delivery Point Reference Number, when the CRM knows it (Street). */
  udprn: z.string().nullable(),
});
export type Address = z.infer<typeof AddressSchema>;

/** Property-specific facts kept and used for the nurture category (docs/product-rules.md). */
export const PropertyProfileSchema = z.object({
  applicantType: z.enum(APPLICANT_TYPES).nullable(),
  tenancyStatus: z.enum(TENANCY_STATUSES).nullable(),
  propertyInterest: z.string().nullable(),
  isVendor: z.boolean(),
  isLandlord: z.boolean(),
});
export type PropertyProfile = z.infer<typeof PropertyProfileSchema>;

export const ProvenanceSchema = z.object({
  provider: CrmProviderSchema,
  externalId: z.string().min(1),
  /** When the CRM last modified the record, as the CRM reports it. */
  modifiedAt: z.iso.datetime({ offset: true }),
  /** Concurrency token for write-back (Reapit `_eTag`), when the CRM has one. */
  etag: z.string().nullable(),
});

/** The canonical contact every adapter produces, whatever CRM it came from. */
export const CanonicalContactSchema = z.object({
  title: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  emails: z.array(z.string().email()),
  phones: z.array(E164Schema),
  address: AddressSchema.nullable(),
  nurtureCategory: NurtureCategorySchema,
  marketingConsent: MarketingConsentSchema,
  profile: PropertyProfileSchema,
  /** False when the CRM archived or deleted the record. */
  active: z.boolean(),
  provenance: ProvenanceSchema,
});
export type CanonicalContact = z.infer<typeof CanonicalContactSchema>;
