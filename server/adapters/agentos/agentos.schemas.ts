import { z } from 'zod';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import { optionalTextFields, optionalTextShape } from '../adapter-kit/lenient-schemas.ts';

/** The five v4 contact lists; the type is part of Propsync's external id (`<ContactType>:<OID>`). */
export const AGENTOS_CONTACT_TYPES = [
  'Tenant',
  'Landlord',
  'LettingsApplicant',
  'SalesApplicant',
  'Vendor',
] as const;
export const AgentosContactTypeSchema = z.enum(AGENTOS_CONTACT_TYPES);
export type AgentosContactType = z.infer<typeof AgentosContactTypeSchema>;

/** A date-time agentOS can send: ISO-8601, with or without a zone (a naive time is read as UTC). */
const DateTimeSchema = z
  .string()
  .refine((value) => !Number.isNaN(parseAgentosTime(value)), 'must be an ISO-8601 date and time');

/** Milliseconds since the epoch of an agentOS time; NaN when unreadable. Naive times count as UTC. */
export function parseAgentosTime(value: string): number {
  const trimmed = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/.test(trimmed))
    return Number.NaN;
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`;
  return Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : zoned);
}

export const AgentosAddressSchema = optionalTextFields([
  'Number',
  'Name',
  'Street',
  'Locality',
  'Town',
  'County',
  'Postcode',
  'Country',
]);
export type AgentosAddress = z.infer<typeof AgentosAddressSchema>;

export const AgentosRequirementsSchema = z
  .object({
    MinBedrooms: z.number().nullish(),
    MaxRentPcm: z.number().nullish(),
    MaxPrice: z.number().nullish(),
    Areas: z.array(z.string()).nullish(),
    BuyingPosition: z.string().nullish(),
  })
  .loose();

/** The parts of a contact record (any of the five lists) Propsync reads; unknown fields pass through. */
export const AgentosContactSchema = z
  .object({
    OID: z.string().min(1),
    ...optionalTextShape(['ETag', 'ContactType', 'Title', 'Forename', 'Surname', 'EmailAddress']),
    ...optionalTextShape(['MobilePhone', 'HomePhone', 'WorkPhone']),
    Address: AgentosAddressSchema.nullish(),
    BranchOID: z.string().nullish(),
    TenancyStatus: z.string().nullish(),
    Requirements: AgentosRequirementsSchema.nullish(),
    PropertyCount: z.number().nullish(),
    SaleStatus: z.string().nullish(),
    ThirdPartyMarketingConsent: z.boolean().nullish(),
    IsArchived: z.boolean().nullish(),
    CreatedDate: z.string().nullish(),
    ModifiedDate: DateTimeSchema,
  })
  .loose();
export type AgentosContact = z.infer<typeof AgentosContactSchema>;

/** Just enough of a record to place it in modification order. */
export const AgentosOrderingSchema = z
  .object({ OID: z.string().min(1), ModifiedDate: DateTimeSchema })
  .loose();

/** The wrapper of every collection: `Count` is the total matching the query, `Data` the slice asked for. */
export const AgentosListSchema = z
  .object({ Count: z.number().int().min(0), Data: z.array(z.unknown()) })
  .loose();

export const AgentosBranchSchema = z.object({ OID: z.string(), Name: z.string().nullish() }).loose();

export const AgentosLogEntrySchema = z
  .object({ OID: z.string().min(1), ExternalReference: z.string().nullish() })
  .loose();

export const AgentosWebhookSubscriptionSchema = z
  .object({
    OID: z.string().min(1),
    Url: z.string(),
    Events: z.array(z.string()).nullish(),
    Secret: z.string().nullish(),
  })
  .loose();

/** What one delivery carries (signed with the subscription's secret; see the simulator README). */
export const AgentosWebhookEnvelopeSchema = z.object({
  DeliveryID: z.string().min(1),
  EventID: z.string().nullish(),
  Event: z.string().min(1),
  OccurredAt: DateTimeSchema,
  ShortName: z.string().min(1),
  ContactType: AgentosContactTypeSchema,
  OID: z.string().min(1),
  /** `<ContactType>:<OID>`: the same record as one string. */
  Subject: z.string().nullish(),
  /** Null when the record was deleted or is no longer shared with third parties. */
  Contact: z.unknown().nullable(),
});

const ContactRefSchema = z.object({ ContactType: z.string(), OID: z.string().min(1) }).loose();

export const AgentosAppointmentSchema = z
  .object({
    OID: z.string().min(1),
    SystemType: z.string(),
    Subject: z.string().nullish(),
    StartDateTime: DateTimeSchema,
    EndDateTime: DateTimeSchema.nullish(),
    Status: z.string().nullish(),
    PropertyOID: z.string().nullish(),
    Attendees: z.array(ContactRefSchema).nullish(),
    ModifiedDate: DateTimeSchema,
  })
  .loose();
export type AgentosAppointment = z.infer<typeof AgentosAppointmentSchema>;

export const AgentosOfferSchema = z
  .object({
    OID: z.string().min(1),
    Applicant: ContactRefSchema,
    PropertyOID: z.string().nullish(),
    Amount: z.number().nullish(),
    Status: z.string(),
    DateOffered: z.string().nullish(),
    ModifiedDate: DateTimeSchema,
  })
  .loose();
export type AgentosOffer = z.infer<typeof AgentosOfferSchema>;

/** A list answer (`Data`, `Count`), or `ADAPTER.BAD_RESPONSE` naming what was listed. */
export function parseAgentosList(body: unknown, label: string) {
  return expectAnswer(
    AgentosListSchema,
    body,
    `agentOS answered a ${label} list request with an unexpected body`,
  );
}
