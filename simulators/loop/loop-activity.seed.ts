import {
  DAY_MS,
  HOUR_MS,
  forEachContactWithRoles,
  generatedBooking,
  generatedViewingCount,
} from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import type { AppointmentRecord, OfferRecord } from './loop-activity.model.ts';
import {
  LOOP_NEGOTIATORS,
  LOOP_OFFER_STATUSES,
  type LoopAppointmentStatus,
  type LoopAppointmentType,
} from './loop-constants.ts';
import type { ContactRecord } from './loop-contact.model.ts';

const OFFER_STATUS_WEIGHTS = [30, 15, 25, 20, 10];

/**
 * A team's diary and offer book, deterministic in (seed, anchor): viewings for ~45% of applicants,
 * valuations for ~40% of vendors and landlords, offers for some buyers and renters, all before
 * `anchor`, plus the demo's hot lead. Sequences start at 1 in the order returned.
 */
export function generateActivities(
  contacts: readonly ContactRecord[],
  anchor: number,
  seed: number,
): { appointments: AppointmentRecord[]; offers: OfferRecord[] } {
  const random = new SeededRandom(1);
  const activitySeed = mixSeed(seed, 'loop-activities');
  const appointments: AppointmentRecord[] = [];
  const offers: OfferRecord[] = [];
  const appointment = (
    contact: ContactRecord,
    type: LoopAppointmentType,
    contactRole: AppointmentRecord['contactRole'],
    negotiatorSeq: number,
  ): AppointmentRecord => {
    const { start, created } = generatedBooking(random, anchor, contact.created);
    const end = start + (type === 'viewing' ? 30 : 60) * 60_000;
    const status: LoopAppointmentStatus =
      start < anchor
        ? random.pickWeighted(['completed', 'cancelled', 'noShow'] as const, [85, 10, 5])
        : random.pickWeighted(['booked', 'cancelled'] as const, [92, 8]);
    const lastChange =
      status === 'booked'
        ? created
        : status === 'cancelled'
          ? created + Math.floor(random.next() * Math.max(0, Math.min(start, anchor) - created))
          : end + Math.floor(random.next() * 2 * DAY_MS);
    return {
      seq: appointments.length + 1,
      created,
      modified: Math.max(created, Math.min(anchor - 1, lastChange)),
      type,
      status,
      start,
      end,
      contactSeq: contact.seq,
      contactRole,
      propertySeq: random.int(1, 5000),
      negotiatorSeq,
    };
  };
  forEachContactWithRoles(contacts, random, activitySeed, (contact, roles) => {
    const negotiatorSeq = random.int(1, LOOP_NEGOTIATORS.length);
    const buyer = roles.includes('buyerApplicant');
    const renter = roles.includes('tenantApplicant');
    for (let v = generatedViewingCount(random, buyer || renter); v > 0; v--)
      appointments.push(appointment(contact, 'viewing', 'applicant', negotiatorSeq));
    const owner = roles.includes('vendor') ? 'vendor' : roles.includes('landlord') ? 'landlord' : null;
    if (owner !== null && random.chance(0.4))
      appointments.push(appointment(contact, 'valuation', owner, negotiatorSeq));
    const offerKind = buyer && random.chance(0.15) ? 'sale' : renter && random.chance(0.1) ? 'let' : null;
    if (offerKind !== null) {
      const submitted = Math.max(contact.created, anchor - Math.floor(random.next() * 180 * DAY_MS));
      const status = random.pickWeighted(LOOP_OFFER_STATUSES, OFFER_STATUS_WEIGHTS);
      offers.push({
        seq: offers.length + 1,
        created: submitted,
        modified:
          status === 'submitted'
            ? submitted
            : Math.min(anchor - 1, submitted + Math.floor(random.next() * (anchor - submitted) * 0.5)),
        kind: offerKind,
        status,
        amount: offerKind === 'sale' ? random.int(30, 240) * 5_000 : random.int(26, 160) * 25,
        submitted,
        contactSeq: contact.seq,
        propertySeq: random.int(1, 5000),
        negotiatorSeq,
      });
    }
  });
  const hotLead = contacts.find(
    (contact) => contact.archivedAt === null && (contact.person?.roles ?? []).includes('buyerApplicant'),
  );
  if (hotLead !== undefined) seedHotLead(hotLead, anchor, appointments, offers);
  return { appointments, offers };
}

/**
 * The demo's hot lead: the first active buying applicant viewed a property three days before the
 * anchor and offered on it the day before, which scores above the hot-lead threshold (an offer 45
 * plus a completed viewing 30, barely decayed). Fixed offsets, so the same seed gives the same lead.
 */
function seedHotLead(
  contact: ContactRecord,
  anchor: number,
  appointments: AppointmentRecord[],
  offers: OfferRecord[],
): void {
  const viewingStart = anchor - 3 * DAY_MS + 11 * HOUR_MS;
  const viewingEnd = viewingStart + 30 * 60_000;
  const propertySeq = 4_242;
  appointments.push({
    seq: appointments.length + 1,
    created: viewingStart - 5 * DAY_MS,
    modified: viewingEnd + 2 * HOUR_MS,
    type: 'viewing',
    status: 'completed',
    start: viewingStart,
    end: viewingEnd,
    contactSeq: contact.seq,
    contactRole: 'applicant',
    propertySeq,
    negotiatorSeq: 1,
  });
  const submitted = anchor - DAY_MS + 15 * HOUR_MS;
  offers.push({
    seq: offers.length + 1,
    created: submitted,
    modified: submitted,
    kind: 'sale',
    status: 'submitted',
    amount: 425_000,
    submitted,
    contactSeq: contact.seq,
    propertySeq,
    negotiatorSeq: 1,
  });
}
