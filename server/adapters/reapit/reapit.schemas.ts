import { z } from 'zod';
import { optionalTextFields, optionalTextShape } from '../adapter-kit/lenient-schemas.ts';
import { parseCrmTime } from '../adapter-kit/crm-time.ts';

/** Reapit's address shape (primaryAddress, secondaryAddress, workAddress). */
export const ReapitAddressSchema = optionalTextFields([
  'type',
  'buildingName',
  'buildingNumber',
  'line1',
  'line2',
  'line3',
  'line4',
  'postcode',
  'countryId',
]);

/**
 * Reapit's ContactRoleModel (`embed=relationships`): the role's type (applicant, landlord, offer,
 * tenancy, vendor), its id and whether it is archived. What an applicant is looking for is not here
 * but on the ApplicantModel.
 */
const ReapitRolesSchema = z
  .array(
    z
      .object({
        associatedType: z.string(),
        associatedId: z.string().nullish(),
        fromArchive: z.boolean().nullish(),
      })
      .loose(),
  )
  .nullish();

/**
 * Where `embed=relationships` puts the roles is read both ways (docs/crms/reapit.md): Reapit's
 * REST API page says embedded resources come in the model's `_embedded`, and the type describes
 * `ContactModel.relationships` as "later removed from the response"; the same type still lists the
 * field. `_embedded.relationships` is taken as a list, or as a page whose `_embedded` is the list;
 * an `_embedded` of another shape is ignored rather than rejecting the contact.
 */
const EmbeddedRolesSchema = z
  .object({
    relationships: z.preprocess(
      (value) =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? (value as { _embedded?: unknown })._embedded
          : value,
      ReapitRolesSchema,
    ),
  })
  .loose()
  .nullish()
  .catch(null);

/** The parts of Reapit's ContactModel Propsync reads; unknown fields pass through untouched. */
export const ReapitContactSchema = z
  .object({
    id: z.string().min(1),
    created: z.string().nullish(),
    modified: z.string().refine((value) => !Number.isNaN(parseCrmTime(value)), 'must be a date and time'),
    ...optionalTextShape(['title', 'forename', 'surname']),
    active: z.boolean().nullish(),
    archivedOn: z.string().nullish(),
    marketingConsent: z.enum(['grant', 'deny', 'notAsked']).nullish(),
    ...optionalTextShape(['homePhone', 'workPhone', 'mobilePhone', 'email']),
    primaryAddress: ReapitAddressSchema.nullish(),
    categoryIds: z.array(z.string()).nullish(),
    relationships: ReapitRolesSchema,
    _embedded: EmbeddedRolesSchema,
    metadata: z.record(z.string(), z.unknown()).nullish(),
    _eTag: z.string().nullish(),
  })
  .loose()
  .transform(({ _embedded, ...contact }) => {
    const embedded = _embedded?.relationships;
    const roles = contact.relationships?.length ? contact.relationships : (embedded ?? contact.relationships);
    return { ...contact, relationships: roles ?? null };
  });
export type ReapitContact = z.infer<typeof ReapitContactSchema>;

/** The part of Reapit's ApplicantModel Propsync reads: whether the applicant buys or rents. */
export const ReapitApplicantSchema = z
  .object({ id: z.string().min(1), marketingMode: z.string().nullish() })
  .loose();

/**
 * HAL page envelope of every Reapit list endpoint. Every field is optional in the published types
 * (`ContactModelPagedResult` and the like), so an empty page without `_embedded` is an empty list,
 * and a link without an address is no link.
 */
export const ReapitPageSchema = z.object({
  _embedded: z
    .array(z.unknown())
    .nullish()
    .transform((records) => records ?? []),
  pageNumber: z.number().nullish(),
  pageSize: z.number().nullish(),
  pageCount: z.number().nullish(),
  totalPageCount: z.number().nullish(),
  totalCount: z.number().nullish(),
  _links: z.record(z.string(), z.object({ href: z.string().nullish() }).loose().nullish()).nullish(),
});

/**
 * Whether no page follows `page` (asked for as page `pageNumber` of `pageSize`): a short page is the
 * last; else the `next` link says, and without links the page counts do. Knowing neither, the next
 * page is asked for (an empty one ends the read): reading one page too many is safe, stopping early is not.
 */
export function isLastPage(
  page: z.infer<typeof ReapitPageSchema>,
  pageNumber: number,
  pageSize: number,
): boolean {
  // A CRM that pages by fewer than asked says so in `pageSize`: only a page short of that is the last.
  if (page._embedded.length < Math.min(pageSize, page.pageSize || pageSize)) return true;
  if (page._links) return !page._links.next?.href;
  return page.totalPageCount != null && pageNumber >= page.totalPageCount;
}

export const ReapitTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
  /** Authorization-code and refresh grants only; each one is usable once (rotation). */
  refresh_token: z.string().min(1).optional(),
});

export const ReapitSigningKeysSchema = z.object({
  keys: z.array(z.object({ kid: z.string(), crv: z.literal('Ed25519'), x: z.string() })),
});

export const ReapitWebhookEnvelopeSchema = z.object({
  eventId: z.string().min(1),
  entityId: z.string().min(1),
  customerId: z.string().nullish(),
  eventTime: z.string(),
  topicId: z.string().min(1),
  new: z.unknown().nullable(),
  old: z.unknown().nullable(),
  diff: z.unknown().nullish(),
});

const timeText = z.string().refine((value) => !Number.isNaN(parseCrmTime(value)), 'must be a date and time');

/**
 * The parts of Reapit's AppointmentModel that make it an engagement signal, as `GET /appointments`
 * lists it and as a webhook's `new` carries it.
 */
export const ReapitAppointmentSchema = z
  .object({
    id: z.string().min(1),
    created: timeText.nullish(),
    modified: timeText.nullish(),
    typeId: z.string().nullish(),
    end: timeText.nullish(),
    cancelled: z.boolean().nullish(),
    /** `notSet|noShow|attended`. */
    attended: z.string().nullish(),
    propertyId: z.string().nullish(),
    attendee: z
      .object({
        type: z.string().nullish(),
        contacts: z.array(z.object({ id: z.string().min(1) }).loose()).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
export type ReapitAppointment = z.infer<typeof ReapitAppointmentSchema>;

/** The parts of Reapit's OfferModel that make it an engagement signal (list and webhook alike). */
export const ReapitOfferSchema = z
  .object({
    id: z.string().min(1),
    created: timeText.nullish(),
    modified: timeText.nullish(),
    /** `pending|withdrawn|rejected|accepted|noteOfInterest`, and `noteOfInterestWithdrawn` (the filter's list). */
    status: z.string().nullish(),
    amount: z.number().nullish(),
    applicantId: z.string().nullish(),
    propertyId: z.string().nullish(),
    related: z.array(z.object({ id: z.string().min(1) }).loose()).nullish(),
  })
  .loose();
export type ReapitOffer = z.infer<typeof ReapitOfferSchema>;
