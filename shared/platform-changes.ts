import { z } from 'zod';
import { E164Schema } from './contact.ts';

/**
 * What the host platform changes itself: `contacts.recordConsent` and `contacts.update`. The server
 * decides what reaches which CRM (server/core/domain/platform-changes.ts).
 */

/** The channels a person consents to; which of them a CRM can hold is in the README (Consent and edits). */
export const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'post'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** Contact fields Propsync writes to the CRMs, when the agency's field policy gives them to the platform. */
export const PLATFORM_EDITABLE_FIELDS = ['title', 'firstName', 'lastName', 'emails', 'phones'] as const;
export type PlatformEditableField = (typeof PLATFORM_EDITABLE_FIELDS)[number];

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'no NUL characters');

/** An explicit consent or opt-out the person gave the platform: who recorded it (`source`) and when (`at`). */
export const RecordConsentInputSchema = z.object({
  contactId: z.uuid(),
  channel: z.enum(CONSENT_CHANNELS),
  status: z.enum(['granted', 'denied']),
  /** Where it came from, e.g. "unsubscribe link" or "preference centre". */
  source: text(200),
  at: z.iso.datetime({ offset: true }),
});
export type RecordConsentInput = z.infer<typeof RecordConsentInputSchema>;

/** The values of the fields `contacts.update` may change, checked once the policy allows each one. */
export const PlatformFieldValuesSchema = z
  .object({
    title: text(50).nullable(),
    firstName: text(100).nullable(),
    lastName: text(100).nullable(),
    emails: z.array(z.string().trim().email().max(320)).max(10),
    phones: z.array(E164Schema).max(10),
  })
  .partial()
  .strict();
export type PlatformFieldValues = z.infer<typeof PlatformFieldValuesSchema>;

/**
 * New values for some of the contact's fields. Any field name is accepted here, so the server can
 * refuse one the platform may not change by name, with its reason, rather than as malformed input.
 */
export const UpdateContactInputSchema = z.object({
  contactId: z.uuid(),
  fields: z
    .record(z.string().max(100), z.unknown())
    .refine((fields) => Object.keys(fields).length > 0, 'name at least one field to change'),
  source: text(200).optional(),
});
export type UpdateContactInput = z.infer<typeof UpdateContactInputSchema>;
