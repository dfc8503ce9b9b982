import { z } from 'zod';
import {
  LINE_ADDRESS_FIELDS,
  optionalTextFields,
  optionalTextShape,
} from '../adapter-kit/lenient-schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/*
 * Loop publishes only its list wrapper (`{results: […]}`), camelCase fields and `pageSize` paging.
 * Every other shape here is the conventional one Propsync's Loop simulator documents; replace them
 * with Loop's published models when they exist. Unknown fields pass through untouched.
 */

export const LoopAddressSchema = optionalTextFields([...LINE_ADDRESS_FIELDS, 'countryCode', 'uprn']);

export const LoopPhoneNumberSchema = z
  .object({ number: z.string(), type: z.string().nullish(), isPrimary: z.boolean().nullish() })
  .loose();
export type LoopPhoneNumber = z.infer<typeof LoopPhoneNumberSchema>;

export const LoopEmailAddressSchema = z
  .object({ address: z.string(), isPrimary: z.boolean().nullish() })
  .loose();

export const LoopApplicantProfileSchema = z
  .object({
    intent: z.string(),
    status: z.string().nullish(),
    minBedrooms: z.number().nullish(),
    maxBudget: z.number().nullish(),
    propertyTypes: z.array(z.string()).nullish(),
    areas: z.array(z.string()).nullish(),
  })
  .loose();
export type LoopApplicantProfile = z.infer<typeof LoopApplicantProfileSchema>;

/** The parts of a Loop contact Propsync reads. */
export const LoopContactSchema = z
  .object({
    id: z.string().min(1),
    createdAt: z.string().nullish(),
    updatedAt: z.string().refine((value) => !Number.isNaN(parseCrmTime(value)), 'must be a date and time'),
    ...optionalTextShape(['title', 'firstName', 'lastName']),
    emailAddresses: z.array(LoopEmailAddressSchema).nullish(),
    phoneNumbers: z.array(LoopPhoneNumberSchema).nullish(),
    address: LoopAddressSchema.nullish(),
    contactTypes: z.array(z.string()).nullish(),
    applicantProfiles: z.array(LoopApplicantProfileSchema).nullish(),
    tenancy: z.object({ status: z.string() }).loose().nullish(),
    marketingConsent: z.object({ status: z.string().nullish() }).loose().nullish(),
    customFields: z.record(z.string(), z.unknown()).nullish(),
    archived: z.boolean().nullish(),
  })
  .loose();
export type LoopContact = z.infer<typeof LoopContactSchema>;

/** The envelope of every list endpoint. */
export const LoopPageSchema = z.object({
  results: z.array(z.unknown()),
  page: z.number().int().nullish(),
  pageSize: z.number().int().nullish(),
  totalCount: z.number().int().nullish(),
  totalPages: z.number().int().nullish(),
});

export const LoopTeamSchema = z.object({ id: z.string(), name: z.string().nullish() }).loose();

export const LoopNoteSchema = z
  .object({ id: z.string().min(1), externalReference: z.string().nullish() })
  .loose();

export const LoopConflictSchema = z.object({ existingNoteId: z.string().nullish() }).loose();

export const LoopWebhookSubscriptionSchema = z
  .object({ id: z.string().min(1), secret: z.string().min(1).nullish(), url: z.string().nullish() })
  .loose();

const PropertySchema = z
  .object({ id: z.string().nullish(), displayAddress: z.string().nullish() })
  .loose()
  .nullish();

export const LoopAppointmentSchema = z
  .object({
    id: z.string().min(1),
    type: z.string(),
    status: z.string(),
    startsAt: z.string().nullish(),
    endsAt: z.string().nullish(),
    contactId: z.string().min(1),
    property: PropertySchema,
    createdAt: z.string().nullish(),
    updatedAt: z.string(),
  })
  .loose();
export type LoopAppointment = z.infer<typeof LoopAppointmentSchema>;

export const LoopOfferSchema = z
  .object({
    id: z.string().min(1),
    type: z.string().nullish(),
    status: z.string(),
    amount: z.number().nullish(),
    frequency: z.string().nullish(),
    submittedAt: z.string().nullish(),
    contactId: z.string().min(1),
    property: PropertySchema,
    updatedAt: z.string(),
  })
  .loose();
export type LoopOffer = z.infer<typeof LoopOfferSchema>;

/** Standard Webhooks payload: `{type, timestamp, data}`; updates also name `changedFields`. */
export const LoopWebhookEventSchema = z.object({
  type: z.string().min(1),
  timestamp: z.string(),
  data: z.record(z.string(), z.unknown()),
  changedFields: z.array(z.string()).nullish(),
});
