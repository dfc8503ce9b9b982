import { z } from 'zod';
import { optionalTextFields, optionalTextShape } from '../adapter-kit/lenient-schemas.ts';

/**
 * Zod schemas of the Alto payloads Propsync reads. Only the fields used are declared; unknown
 * fields pass through (`loose`), and every nullable field Alto documents is `nullish`, so a new
 * field or a missing optional one never rejects a record.
 */

const ParameterValueSchema = z.object({ code: z.string().nullish(), name: z.string().nullish() }).loose();

/** Alto ids are opaque; some endpoints send them as numbers, others as strings. */
const AltoIdSchema = z.union([z.string().trim().min(1), z.number().int()]).transform(String);

export const AltoApplicantRequirementSchema = z
  .object({
    id: z.string().nullish(),
    profileIntention: z.string().nullish(),
    isActiveProfile: z.boolean().nullish(),
    priceFrom: z.number().nullish(),
    priceTo: z.number().nullish(),
    bedsMin: z.number().nullish(),
    rentalIntention: z.object({ priceQualifier: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type AltoApplicantRequirement = z.infer<typeof AltoApplicantRequirementSchema>;

/** An item of `GET /contacts/all` (ContactListItem): only the first phone and email per person. */
export const AltoContactListItemSchema = z
  .object({
    id: AltoIdSchema,
    contactType: z
      .object({ category: z.string().nullish(), persona: z.array(z.string()).nullish() })
      .loose()
      .nullish(),
    contactInformation: z
      .array(optionalTextFields(['title', 'foreName', 'surname', 'phoneNumber', 'emailAddress']))
      .nullish(),
    intention: z.string().nullish(),
    isActive: z.boolean().nullish(),
    potentialVendor: z.boolean().nullish(),
    potentialLandlord: z.boolean().nullish(),
    createdAt: z.string().nullish(),
    modifiedAt: z.string().min(1),
    applicantRequirements: z.array(AltoApplicantRequirementSchema).nullish(),
  })
  .loose();
export type AltoContactListItem = z.infer<typeof AltoContactListItemSchema>;

export const AltoAddressSchema = optionalTextFields([
  'subDwelling',
  'nameNumber',
  'street',
  'locality',
  'town',
  'county',
  'postcode',
  'countryCode',
  'uprn',
]);
export type AltoAddress = z.infer<typeof AltoAddressSchema>;

export const AltoPersonSchema = z
  .object({
    ...optionalTextShape(['id', 'title', 'forename', 'surname']),
    phoneNumbers: z
      .array(
        z
          .object({
            preferenceOrder: z.number().nullish(),
            type: z.string().nullish(),
            number: z.string().nullish(),
          })
          .loose(),
      )
      .nullish(),
    emailAddresses: z
      .array(
        z
          .object({
            preferenceOrder: z.number().nullish(),
            type: z.string().nullish(),
            address: z.string().nullish(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();
export type AltoPerson = z.infer<typeof AltoPersonSchema>;

/** The full Contact of `GET /contacts/{id}` and `GET /contacts?id=…` (no persona, no created time). */
export const AltoContactSchema = z
  .object({
    id: AltoIdSchema,
    address: AltoAddressSchema.nullish(),
    people: z.array(AltoPersonSchema).nullish(),
    category: z.string().nullish(),
    intention: ParameterValueSchema.nullish(),
    archived: z.boolean().nullish(),
    potentialVendor: z.boolean().nullish(),
    potentialLandlord: z.boolean().nullish(),
    applicantRequirements: z.array(AltoApplicantRequirementSchema).nullish(),
    modifiedDate: z.string().min(1),
  })
  .loose();
export type AltoContact = z.infer<typeof AltoContactSchema>;

/** `{meta:{nextToken}, items:[…]}`, Alto's cursor page. */
export const AltoPageSchema = z.object({
  meta: z.object({ nextToken: z.string().nullish() }).loose().nullish(),
  items: z.array(z.unknown()).nullish(),
});

/** `GET /contacts?id=…` answers with an array of full contacts (ids it does not know are left out). */
export const AltoContactBatchSchema = z.array(z.unknown());

export const AltoTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

/** `GET /contacts/{id}/preferences`: consent per purpose. */
export const AltoPreferencesSchema = z.array(
  z.object({ type: z.string(), optInStatus: z.string().nullish() }).loose(),
);
export type AltoPreferences = z.infer<typeof AltoPreferencesSchema>;

/** An item of `GET /file-notes/search?contact-id=…`. */
export const AltoFileNoteSchema = z
  .object({
    id: AltoIdSchema,
    ...optionalTextShape(['title', 'notes', 'createdDate', 'fileNoteType']),
  })
  .loose();
export type AltoFileNote = z.infer<typeof AltoFileNoteSchema>;
export const AltoFileNoteListSchema = z.array(AltoFileNoteSchema);

/** `POST /file-notes` answers 201 with the new note's id as the whole body. */
export const AltoCreatedIdSchema = AltoIdSchema;

/** The CloudEvents 1.0 envelope of an Alto webhook: no snapshot, only what changed and where. */
export const AltoCloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.literal('alto'),
  subject: z.string().min(1),
  time: z.string().min(1),
  datacontenttype: z.string().nullish(),
  data: z
    .object({
      integrationId: z.string().nullish(),
      agencyRef: z.string().min(1),
      branchId: z.string().nullish(),
      subjectId: AltoIdSchema,
      relatedSubjects: z.array(z.object({ subjectUri: z.string(), subjectId: z.string() }).loose()).nullish(),
    })
    .loose(),
});
export type AltoCloudEvent = z.infer<typeof AltoCloudEventSchema>;

/** `GET /appointments/{id}/{instanceId}` (ExternalPartnerAppointment). */
export const AltoAppointmentSchema = z
  .object({
    id: AltoIdSchema,
    instanceId: z.number().nullish(),
    type: z.string(),
    ...optionalTextShape(['startDate', 'endDate', 'createdDate', 'modifiedDate', 'status']),
    isCancelled: z.boolean().nullish(),
    properties: z.array(z.object({ id: AltoIdSchema.nullish() }).loose()).nullish(),
    contacts: z.array(z.object({ id: AltoIdSchema.nullish() }).loose()).nullish(),
    viewingDetails: z.object({ applicantFeedback: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type AltoAppointment = z.infer<typeof AltoAppointmentSchema>;

/** `GET /offers/sales-offer/{id}`; `contactsJson` is a JSON string of the offer's contacts. */
export const AltoOfferSchema = z
  .object({
    id: AltoIdSchema,
    propertyId: AltoIdSchema.nullish(),
    insertDate: z.string().nullish(),
    modifiedDate: z.string().nullish(),
    offerAmount: z.number().nullish(),
    currencyCode: z.string().nullish(),
    status: z.string(),
    recordType: z.string().nullish(),
    contactsJson: z.string().nullish(),
  })
  .loose();
export type AltoOffer = z.infer<typeof AltoOfferSchema>;

/** The offer's contacts, inside `contactsJson`. */
export const AltoOfferContactsSchema = z.array(
  z.object({ contactId: AltoIdSchema, isMainApplicant: z.boolean().nullish() }).loose(),
);
export type AltoOfferContacts = z.infer<typeof AltoOfferContactsSchema>;

/**
 * `POST /webhooks/subscriptions` (Alto Connect sets subscriptions up by hand; the simulator's API
 * stands in). A secret Alto generated is returned once, at creation.
 */
export const AltoSubscriptionSchema = z
  .object({ id: z.string().min(1), secret: z.string().min(16).nullish() })
  .loose();
