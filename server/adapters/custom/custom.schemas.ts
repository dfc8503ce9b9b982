import { z } from 'zod';
import {
  LINE_ADDRESS_FIELDS,
  optionalTextFields,
  optionalTextShape,
} from '../adapter-kit/lenient-schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/**
 * Zod schemas of the Propsync open CRM API's payloads (docs/openapi/propsync-custom-crm.yaml),
 * as the adapter reads them: what Propsync relies on is checked, anything else passes through, so
 * a CRM that adds fields never breaks a sync.
 */

const instant = z.string().refine((value) => !Number.isNaN(parseCrmTime(value)), 'must be a date-time');

export const CustomAddressSchema = optionalTextFields([...LINE_ADDRESS_FIELDS, 'country_code', 'uprn']);

export const CustomContactSchema = z
  .object({
    id: z.string().min(1),
    created_at: instant.nullish(),
    updated_at: instant,
    ...optionalTextShape(['etag', 'title', 'first_name', 'last_name']),
    emails: z
      .array(
        z.object({ address: z.string(), type: z.string().nullish(), primary: z.boolean().nullish() }).loose(),
      )
      .nullish(),
    phones: z
      .array(
        z.object({ number: z.string(), type: z.string().nullish(), primary: z.boolean().nullish() }).loose(),
      )
      .nullish(),
    address: CustomAddressSchema.nullish(),
    marketing_consent: z.string().nullish(),
    applicant: z
      .object({ type: z.enum(['buyer', 'tenant']), property_interest: z.string().nullish() })
      .loose()
      .nullish(),
    tenancy: z
      .object({ status: z.enum(['prospective', 'active', 'former']) })
      .loose()
      .nullish(),
    is_vendor: z.boolean().nullish(),
    is_landlord: z.boolean().nullish(),
    archived: z.boolean().nullish(),
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
export type CustomContact = z.infer<typeof CustomContactSchema>;

/** Every list endpoint: `{data, has_more, next_cursor, total}`. */
export const CustomPageSchema = z.object({
  data: z.array(z.unknown()),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
  total: z.number().int().nullish(),
});

export const CustomAccountSchema = z
  .object({ id: z.string(), name: z.string(), contact_count: z.number().int().nullish() })
  .loose();

export const CustomActivitySchema = z
  .object({
    id: z.string().min(1),
    type: z.string().min(1),
    status: z.string().nullish(),
    contact_id: z.string().min(1),
    property: z
      .object({ id: z.string(), address: z.string().nullish(), postcode: z.string().nullish() })
      .loose()
      .nullish(),
    starts_at: instant.nullish(),
    ends_at: instant.nullish(),
    amount: z.number().nullish(),
    subject: z.string().nullish(),
    direction: z.string().nullish(),
    occurred_at: instant,
    source: z.string().nullish(),
    external_id: z.string().nullish(),
    updated_at: instant.nullish(),
  })
  .loose();
export type CustomActivity = z.infer<typeof CustomActivitySchema>;

export const CustomWebhookSubscriptionSchema = z
  .object({ id: z.string().min(1), url: z.string(), events: z.array(z.string()) })
  .loose();

export const CustomWebhookCreatedSchema = CustomWebhookSubscriptionSchema.extend({
  secret: z.string().startsWith('whsec_'),
});

export const CustomWebhookListSchema = z.object({ data: z.array(CustomWebhookSubscriptionSchema) });

/** The Standard Webhooks payload every delivery carries. */
export const CustomWebhookEnvelopeSchema = z.object({
  type: z.string().min(1),
  timestamp: instant,
  data: z.record(z.string(), z.unknown()),
});

export const CustomContactDeletedSchema = z
  .object({ id: z.string().min(1), deleted_at: instant.nullish() })
  .loose();
