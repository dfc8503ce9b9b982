import { DAY_MS, HOUR_MS, generatedBooking, generatedViewingCount } from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import { newStreet } from '../toolkit/random-edits.ts';
import type { UkPerson } from '../toolkit/uk-people.ts';
import { activityId, occurredAtFor, type ActivityRecord } from './custom-activity.model.ts';
import type { ContactRecord } from './custom-contact.model.ts';

/** One hot lead per this many contacts (at least one), so the demo always shows one. */
const CONTACTS_PER_HOT_LEAD = 500;

type SeededActivity = Omit<ActivityRecord, 'seq' | 'id' | 'occurredAt'>;

/** A CRM-side record with nothing set beyond what every seeded activity shares. */
function crmRecord(
  contactSeq: number,
  fields: Pick<SeededActivity, 'type' | 'status' | 'created' | 'modified' | 'subject'> &
    Partial<SeededActivity>,
): SeededActivity {
  return {
    contactSeq,
    property: null,
    startsAt: null,
    endsAt: null,
    amount: null,
    body: null,
    direction: null,
    source: 'crm',
    externalId: null,
    ...fields,
  };
}

export function propertyId(random: SeededRandom): string {
  return `prop_${String(random.int(1, 99_999)).padStart(5, '0')}`;
}

/** A property in the town to view or make an offer on. */
export function propertyNear(random: SeededRandom, town: string): NonNullable<ActivityRecord['property']> {
  return {
    id: propertyId(random),
    address: `${random.int(1, 220)} ${newStreet(random)}, ${town}`,
    postcode: null,
  };
}

/**
 * The agency's history, deterministic from the seed and relative to `anchor`: viewings for ~45% of
 * applicants, valuations for ~40% of vendors and landlords, offers for ~15% of buyers, calls for
 * ~12% of contacts; then a few buyers with an offer and a completed viewing in the last days, the
 * hot leads the demo shows (README, "Seeded data").
 */
export function seedActivities(
  seed: number,
  contacts: readonly ContactRecord[],
  anchor: number,
): ActivityRecord[] {
  const random = new SeededRandom(1);
  const activitySeed = mixSeed(seed, 'custom-activities');
  const activities: ActivityRecord[] = [];
  const push = (record: SeededActivity): void => {
    const seq = activities.length + 1;
    activities.push({
      ...record,
      seq,
      id: activityId(seq),
      occurredAt: occurredAtFor(record, record.modified),
    });
  };
  // Past appointments were settled a few hours after they ended; future ones are still booked.
  const appointment = (contact: ContactRecord, minutes: number, statuses: string[], weights: number[]) => {
    const { start, created } = generatedBooking(random, anchor, contact.created);
    const end = start + minutes * 60_000;
    const past = end < anchor;
    const status = past ? random.pickWeighted(statuses, weights) : 'booked';
    const modified = past
      ? Math.min(anchor - 1, Math.max(created, end + random.int(1, 6) * HOUR_MS))
      : created;
    return { created, modified, status, startsAt: start, endsAt: end };
  };
  for (const contact of contacts) {
    const person = contact.person;
    if (person === null) continue;
    random.reseed(mixSeed(activitySeed, contact.seq));
    const roles = person.roles;
    const applicant = roles.includes('buyerApplicant') || roles.includes('tenantApplicant');
    for (let v = generatedViewingCount(random, applicant); v > 0; v--) {
      const times = appointment(contact, 30, ['completed', 'cancelled', 'no_show'], [80, 12, 8]);
      push(
        crmRecord(contact.seq, {
          type: 'viewing',
          subject: 'Viewing',
          ...times,
          property: propertyNear(random, person.town),
        }),
      );
    }
    if ((roles.includes('vendor') || roles.includes('landlord')) && random.chance(0.4)) {
      const times = appointment(contact, 60, ['completed', 'cancelled'], [88, 12]);
      push(
        crmRecord(contact.seq, {
          type: 'valuation',
          subject: roles.includes('vendor') ? 'Sales valuation' : 'Lettings valuation',
          ...times,
          property: {
            id: propertyId(random),
            address: `${streetOf(person)}, ${person.town}`,
            postcode: person.postcode,
          },
        }),
      );
    }
    if (roles.includes('buyerApplicant') && random.chance(0.15)) {
      const created = Math.max(contact.created, anchor - Math.floor(random.next() * 180 * DAY_MS));
      const status = random.pickWeighted(
        ['submitted', 'countered', 'accepted', 'rejected', 'withdrawn'],
        [30, 10, 25, 20, 15],
      );
      const modified =
        status === 'submitted'
          ? created
          : Math.min(anchor - 1, created + Math.floor(random.next() * (anchor - created) * 0.5));
      push(
        crmRecord(contact.seq, {
          type: 'offer',
          subject: 'Offer',
          status,
          created,
          modified,
          property: propertyNear(random, person.town),
          amount: random.int(30, 190) * 5_000,
        }),
      );
    }
    if (random.chance(0.12)) {
      const created = Math.max(contact.created, anchor - Math.floor(random.next() * 365 * DAY_MS));
      const inbound = random.chance(0.5);
      push(
        crmRecord(contact.seq, {
          type: 'call',
          status: null,
          created,
          modified: created,
          subject: inbound ? 'Called in about new listings' : 'Follow-up call',
          direction: inbound ? 'inbound' : 'outbound',
        }),
      );
    }
  }
  for (const contact of hotLeadContacts(contacts)) {
    random.reseed(mixSeed(activitySeed, 'hot-lead', contact.seq));
    for (const record of hotLeadActivities(contact, anchor, random)) push(record);
  }
  return activities;
}

/** The first buyers in creation order, one per {@link CONTACTS_PER_HOT_LEAD} contacts. */
function hotLeadContacts(contacts: readonly ContactRecord[]): ContactRecord[] {
  const wanted = Math.max(1, Math.floor(contacts.length / CONTACTS_PER_HOT_LEAD));
  return contacts.filter((contact) => contact.person?.roles.includes('buyerApplicant')).slice(0, wanted);
}

/**
 * A viewing completed two days before the anchor and an offer made the day before: together
 * worth 75 points before decay, so the contact is still over the hot-lead threshold (60) days later.
 */
function hotLeadActivities(contact: ContactRecord, anchor: number, random: SeededRandom): SeededActivity[] {
  const town = contact.person?.town ?? 'London';
  const property = propertyNear(random, town);
  const viewingStart = anchor - 2 * DAY_MS - 13 * HOUR_MS;
  const viewingEnd = viewingStart + 30 * 60_000;
  const offerMade = anchor - DAY_MS - 8 * HOUR_MS;
  return [
    crmRecord(contact.seq, {
      type: 'viewing',
      subject: 'Viewing',
      status: 'completed',
      created: Math.max(contact.created, viewingStart - 5 * DAY_MS),
      modified: viewingEnd + 2 * HOUR_MS,
      startsAt: viewingStart,
      endsAt: viewingEnd,
      property,
    }),
    crmRecord(contact.seq, {
      type: 'offer',
      subject: 'Offer',
      status: 'submitted',
      created: offerMade,
      modified: offerMade,
      property,
      amount: random.int(40, 190) * 5_000,
    }),
  ];
}

function streetOf(person: UkPerson): string {
  return [person.buildingName, [person.buildingNumber, person.street].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
}
