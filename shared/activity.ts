import { z } from 'zod';
import { CrmProviderSchema } from './providers.ts';

export const ACTIVITY_TYPES = [
  'email_sent',
  'email_opened',
  'email_clicked',
  'viewing_booked',
  'viewing_completed',
  'valuation_booked',
  'offer_submitted',
  'offer_progressed',
  'call',
  'note',
] as const;
export const ActivityTypeSchema = z.enum(ACTIVITY_TYPES);
export type ActivityType = z.infer<typeof ActivityTypeSchema>;

/** Where an activity came from: a CRM provider id, or Propsync itself (email engagement). */
export const ActivitySourceSchema = z.union([z.literal('propsync'), CrmProviderSchema]);

export const CanonicalActivitySchema = z.object({
  type: ActivityTypeSchema,
  occurredAt: z.iso.datetime({ offset: true }),
  source: ActivitySourceSchema,
  /** The id of the activity in its source system; with the source it makes the activity idempotent. */
  externalId: z.string().min(1),
  /** The contact's id in the source CRM (or Propsync's id when the source is Propsync). */
  contactExternalId: z.string().min(1),
  details: z.record(z.string(), z.unknown()),
  /**
   * The record reached a "not happening" stage (a viewing or valuation cancelled or not attended,
   * an offer withdrawn or rejected): `type` is still the last stage it reached, and the signal
   * stops counting (docs/product-rules.md). Absent means the record stands.
   */
  withdrawn: z.boolean().optional(),
});
export type CanonicalActivity = z.infer<typeof CanonicalActivitySchema>;
