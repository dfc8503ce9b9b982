import { z } from 'zod';
import { optionalTextShape } from '../adapter-kit/lenient-schemas.ts';

/** A JSON:API resource identifier `{type, id}`. */
export const StreetIdentifierSchema = z.object({ type: z.string(), id: z.string().min(1) }).loose();
export type StreetIdentifier = z.infer<typeof StreetIdentifierSchema>;

/** A to-one or to-many relationship; only its `data` matters to Propsync. */
const RelationshipSchema = z
  .object({ data: z.union([StreetIdentifierSchema, z.array(StreetIdentifierSchema)]).nullish() })
  .loose();

/** Street's `AddressSimple`, as people carry it. */
export const StreetAddressSchema = z
  .object({
    ...optionalTextShape([
      'building_number',
      'building_name',
      'street',
      'line_1',
      'line_2',
      'line_3',
      'line_4',
      'town',
      'postcode',
      'country',
    ]),
    // Documented as a number in some of Street's schemas: accept both, keep text.
    udprn: z.union([z.string(), z.number()]).nullish(),
  })
  .loose();

const ContactValueSchema = z.object({ value: z.string().nullish(), primary: z.boolean().nullish() }).loose();

const RoleStatusSchema = z.string().nullish();

/** The person resource object (`GET /people`, `GET|PATCH /people/{id}`, person webhooks). */
export const StreetPersonSchema = z
  .object({
    type: z.literal('person'),
    id: z.string().min(1),
    attributes: z
      .object({
        ...optionalTextShape(['title', 'first_name', 'last_name', 'full_name']),
        address: StreetAddressSchema.nullish(),
        telephone_numbers: z.array(ContactValueSchema).nullish(),
        email_addresses: z.array(ContactValueSchema).nullish(),
        marketing_consent: z.boolean().nullish(),
        contact_preferences: z.record(z.string(), z.unknown()).nullish(),
        statuses: z
          .object({ vendor: RoleStatusSchema, landlord: RoleStatusSchema, tenant: RoleStatusSchema })
          .loose()
          .nullish(),
        created_at: z.string().nullish(),
        updated_at: z.iso.datetime({ offset: true }),
      })
      .loose(),
    relationships: z.record(z.string(), RelationshipSchema).nullish(),
    /** Soft-deleted people listed with `filter[trashed]` carry `meta.deleted_at`. */
    meta: z.object({ deleted_at: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type StreetPerson = z.infer<typeof StreetPersonSchema>;

/** A sales or lettings applicant, side-loaded with `include=applicants`. */
export const StreetApplicantSchema = z
  .object({
    type: z.literal('applicant'),
    id: z.string().min(1),
    attributes: z
      .object({
        applicant_type: z.string().nullish(),
        active: z.boolean().nullish(),
        lead_rating: z.string().nullish(),
        requirements: z
          .object({
            min_price: z.number().nullish(),
            max_price: z.number().nullish(),
            min_bedrooms: z.number().nullish(),
            areas: z.array(z.string()).nullish(),
          })
          .loose()
          .nullish(),
      })
      .loose(),
    relationships: z.record(z.string(), RelationshipSchema).nullish(),
  })
  .loose();
export type StreetApplicant = z.infer<typeof StreetApplicantSchema>;

/** A list document: `data`, `included`, `links`, `meta.pagination`. */
export const StreetPageSchema = z.object({
  data: z.array(z.unknown()),
  included: z.array(z.unknown()).nullish(),
  links: z.record(z.string(), z.string().nullable()).nullish(),
  meta: z
    .object({
      pagination: z
        .object({
          total: z.number(),
          count: z.number(),
          per_page: z.number(),
          current_page: z.number(),
          total_pages: z.number(),
        })
        .loose(),
    })
    .loose(),
});
export type StreetPage = z.infer<typeof StreetPageSchema>;

/** A single-resource document. */
export const StreetDocumentSchema = z
  .object({ data: z.unknown(), included: z.array(z.unknown()).nullish() })
  .loose();

/** A note on a person (Street's write-back target). */
export const StreetNoteSchema = z
  .object({
    type: z.literal('note'),
    id: z.string().min(1),
    attributes: z
      .object({
        body: z.string(),
        ...optionalTextShape(['pinned_at', 'created_at', 'updated_at']),
      })
      .loose(),
  })
  .loose();
export type StreetNote = z.infer<typeof StreetNoteSchema>;

/** The answer to `POST /webhooks`: the subscription, with its signing secret shown this once. */
export const StreetWebhookCreatedSchema = z.object({
  data: z
    .object({
      type: z.literal('webhook'),
      id: z.string().min(1),
      attributes: z.object({ secret: z.string().min(1) }).loose(),
    })
    .loose(),
});

/** A viewing, valuation or offer resource, as activity webhooks carry it. */
export const StreetActivitySchema = z
  .object({
    type: z.enum(['viewing', 'valuation', 'sales_offer', 'lettings_offer']),
    id: z.string().min(1),
    attributes: z
      .object({
        status: z.string().nullish(),
        start: z.string().nullish(),
        amount: z.number().nullish(),
        ...optionalTextShape(['viewing_type', 'valuation_type', 'created_at', 'updated_at']),
      })
      .loose(),
    relationships: z.record(z.string(), RelationshipSchema).nullish(),
  })
  .loose();
export type StreetActivity = z.infer<typeof StreetActivitySchema>;

/** The Standard Webhooks envelope Street deliveries use: `{type, timestamp, data}`. */
export const StreetWebhookEnvelopeSchema = z.object({
  type: z.string().min(1),
  timestamp: z.string().min(1),
  data: StreetDocumentSchema,
});
