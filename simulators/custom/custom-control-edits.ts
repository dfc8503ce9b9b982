import { z } from 'zod';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import { emailElsewhere, nearbyPostcode, newStreet, restyledPhone } from '../toolkit/random-edits.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import { CUSTOM_ACTIVITY_STATUSES, CUSTOM_ACTIVITY_TYPES } from './custom-constants.ts';
import { fieldsOf, type ContactRecord } from './custom-contact.model.ts';
import type { ActivityInput, ContactChange, CustomDataset } from './custom-dataset.ts';
import { propertyId, propertyNear } from './custom-seeded-activities.ts';

/*
 * What the data controls make of the CRM's records: an agent's random edit of a contact, and a
 * new CRM-side activity with realistic defaults.
 */

/** `POST /_sim/activities`. */
export const ActivitySchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(CUSTOM_ACTIVITY_TYPES),
  status: z.string().optional(),
  startsAt: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  amount: z.number().int().positive().optional(),
  subject: z.string().optional(),
  body: z.string().optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
});

/**
 * An activity the CRM records: `status` defaults to booked (viewings, valuations), submitted
 * (offers), none otherwise; `startsAt` (appointments) to a day from now.
 */
export type CreateActivityOptions = Omit<z.infer<typeof ActivitySchema>, 'startsAt'> & {
  startsAt?: number | string | Date;
};

const NEXT_CONSENT = { granted: 'denied', denied: 'not_asked', not_asked: 'granted' } as const;

/** A plausible edit an agent might make in the CRM; always a real change. */
export function randomChange(
  dataset: CustomDataset,
  record: ContactRecord,
  random: SeededRandom,
): ContactChange {
  const fields = fieldsOf(record, dataset.seed);
  const primaryEmail = fields.emails.find((email) => email.primary) ?? fields.emails[0];
  const primaryPhone = fields.phones.find((phone) => phone.primary) ?? fields.phones[0];
  switch (random.int(0, 5)) {
    case 0: {
      const address = emailElsewhere(random, primaryEmail?.address, fields.first_name, { otherDomain: true });
      return {
        emails: [
          { address, type: 'personal', primary: true },
          ...fields.emails.filter((email) => email !== primaryEmail),
        ],
      };
    }
    case 1: {
      const number = restyledPhone(random, primaryPhone?.number);
      return {
        phones: [
          { number, type: primaryPhone?.type ?? 'mobile', primary: true },
          ...fields.phones.filter((phone) => phone !== primaryPhone),
        ],
      };
    }
    case 2:
      return { marketing_consent: NEXT_CONSENT[fields.marketing_consent] };
    case 3: {
      const current = fields.address?.postcode ?? null;
      let postcode = current;
      while (postcode === current) postcode = nearbyPostcode(random, current);
      return {
        address: {
          line1: `${random.int(1, 220)} ${newStreet(random)}`,
          line2: null,
          line3: null,
          postcode,
          uprn: null,
        },
      };
    }
    case 4:
      return { last_name: random.pick(SURNAMES.filter((surname) => surname !== fields.last_name)) };
    default: {
      if (fields.applicant === null || fields.applicant.max_budget === null)
        return { marketing_consent: NEXT_CONSENT[fields.marketing_consent] };
      const step = fields.applicant.type === 'buyer' ? 25_000 : 100;
      return {
        applicant: {
          ...fields.applicant,
          max_budget: fields.applicant.max_budget + step * (random.chance(0.5) ? 1 : -1),
        },
      };
    }
  }
}

/** A CRM-side activity from control options, with realistic defaults. */
export function activityInput(
  dataset: CustomDataset,
  contact: ContactRecord,
  options: CreateActivityOptions,
  now: number,
  random: SeededRandom,
): ActivityInput {
  const type = options.type;
  const allowed: readonly string[] = CUSTOM_ACTIVITY_STATUSES[type];
  const status =
    options.status ??
    (type === 'viewing' || type === 'valuation' ? 'booked' : type === 'offer' ? 'submitted' : null);
  if (status === null ? allowed.length > 0 : !allowed.includes(status)) {
    throw new RangeError(`a ${type} cannot be ${String(status)} (allowed: ${allowed.join(', ') || 'none'})`);
  }
  const fields = fieldsOf(contact, dataset.seed);
  const appointment = type === 'viewing' || type === 'valuation';
  const startsAt = options.startsAt === undefined ? now + 86_400_000 : new Date(options.startsAt).getTime();
  if (Number.isNaN(startsAt)) throw new RangeError('startsAt is not a valid date');
  const minutes = options.durationMinutes ?? (type === 'valuation' ? 60 : 30);
  const town = fields.address?.town ?? 'London';
  const ownAddress = [fields.address?.line1, fields.address?.town].filter(Boolean).join(', ');
  const property =
    type === 'valuation'
      ? {
          id: propertyId(random),
          address: ownAddress || `1 High Street, ${town}`,
          postcode: fields.address?.postcode ?? null,
        }
      : type === 'viewing' || type === 'offer'
        ? propertyNear(random, town)
        : null;
  const defaultSubject = {
    viewing: 'Viewing',
    valuation: fields.is_landlord ? 'Lettings valuation' : 'Sales valuation',
    offer: 'Offer',
    call: 'Call',
    email: 'Email',
    note: 'Note',
  }[type];
  return {
    type,
    status,
    contactSeq: contact.seq,
    property,
    startsAt: appointment ? startsAt : null,
    endsAt: appointment ? startsAt + minutes * 60_000 : null,
    amount:
      type === 'offer'
        ? (options.amount ?? Math.round(((fields.applicant?.max_budget ?? 350_000) * 0.95) / 1000) * 1000)
        : null,
    subject: options.subject ?? defaultSubject,
    body: options.body ?? null,
    direction: type === 'call' || type === 'email' ? (options.direction ?? 'inbound') : null,
    source: 'crm',
    externalId: null,
  };
}
