import {
  DAY_MS,
  forEachContactWithRoles,
  generatedBooking,
  generatedOfferTimes,
  generatedViewingCount,
} from '../toolkit/generated-data.ts';
import { SeededRandom, mixSeed } from '../toolkit/seeded-random.ts';
import {
  LISTED_PROPERTY_BASE,
  type ActivityRecords,
  type OfferRecord,
  type ViewingRecord,
} from './street-activity.model.ts';
import {
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_SALES_OFFER_STATUSES,
  type StreetOfferStatus,
  type StreetValuationStatus,
  type StreetViewingStatus,
} from './street-constants.ts';
import { propertySeq, type PersonRecord } from './street-person.model.ts';

/** A dataset's generated activities by kind, and the person planted as a hot lead. */
export type SeededActivities = { [K in keyof ActivityRecords]: Array<ActivityRecords[K]> } & {
  hotLeadSeq: number | null;
};

/**
 * Viewings (~45% of applicants), valuations (~40% of vendors and landlords) and offers (~15% of
 * buyers, ~12% of renters) around `anchor`, deterministic in the seed, plus one planted hot lead.
 */
export function seedActivities(
  records: readonly PersonRecord[],
  seed: number,
  anchor: number,
): SeededActivities {
  const random = new SeededRandom(1);
  const activitySeed = mixSeed(seed, 'street-activities');
  const seeded: SeededActivities = {
    viewing: [],
    valuation: [],
    sales_offer: [],
    lettings_offer: [],
    hotLeadSeq: null,
  };
  const { viewing: viewings, valuation: valuations, sales_offer: salesOffers } = seeded;
  // Appointments are booked the toolkit's way and were last touched some time after booking
  // (never after the anchor).
  const appointmentTimes = (earliest: number) => {
    const { start, created } = generatedBooking(random, anchor, earliest);
    const modified = Math.min(
      anchor - 1,
      Math.max(created, Math.min(start, anchor) + Math.floor(random.next() * 2 * 3_600_000)),
    );
    return { start, created, modified };
  };
  forEachContactWithRoles(records, random, activitySeed, (record, roles) => {
    for (const [role, kind] of [
      ['buyerApplicant', 'sales'],
      ['tenantApplicant', 'lettings'],
    ] as const) {
      for (let v = generatedViewingCount(random, roles.includes(role)); v > 0; v--) {
        const { start, created, modified } = appointmentTimes(record.created);
        const status = viewingStatusFor(start < anchor, random);
        viewings.push({
          seq: viewings.length + 1,
          created,
          modified,
          personSeq: record.seq,
          applicantKind: kind,
          propertySeq: LISTED_PROPERTY_BASE + random.int(1, 50_000),
          start,
          end: start + 30 * 60_000,
          status,
          cancelledAt: status === 'cancelled' ? modified : null,
        });
      }
    }
    for (const [role, kind] of [
      ['vendor', 'sales'],
      ['landlord', 'lettings'],
    ] as const) {
      if (!roles.includes(role) || !random.chance(0.4)) continue;
      const { start, created, modified } = appointmentTimes(record.created);
      valuations.push({
        seq: valuations.length + 1,
        created,
        modified,
        personSeq: record.seq,
        valuationType: kind,
        propertySeq: propertySeq(record.seq, kind === 'sales' ? 'home' : 'let'),
        start,
        end: start + 60 * 60_000,
        status: valuationStatusFor(start < anchor, random),
      });
    }
    for (const [role, kind, list, chance] of [
      ['buyerApplicant', 'sales', salesOffers, 0.15],
      ['tenantApplicant', 'lettings', seeded.lettings_offer, 0.12],
    ] as const) {
      if (!roles.includes(role) || !random.chance(chance)) continue;
      list.push({
        seq: list.length + 1,
        ...generatedOfferTimes(random, anchor, record.created),
        kind,
        personSeq: record.seq,
        propertySeq: LISTED_PROPERTY_BASE + random.int(1, 50_000),
        amount: kind === 'sales' ? random.int(30, 190) * 5_000 : random.int(9, 45) * 100,
        status: random.pickWeighted<StreetOfferStatus>(
          kind === 'sales' ? STREET_SALES_OFFER_STATUSES : STREET_LETTINGS_OFFER_STATUSES,
          [30, 15, 25, 20, 10],
        ),
      });
    }
  });
  seeded.hotLeadSeq = plantHotLead(records, anchor, viewings, salesOffers);
  return seeded;
}

/**
 * Plants one hot lead so a demo shows the loop end to end: the first original buyer gets a
 * viewing completed two days before the anchor and a pending offer a day before (45 + 30 points,
 * barely decayed, over the threshold of 60). Returns the person's sequence.
 */
function plantHotLead(
  records: readonly PersonRecord[],
  anchor: number,
  viewings: ViewingRecord[],
  salesOffers: OfferRecord[],
): number | null {
  const buyer = records.find(
    (record) => record.person?.roles.includes('buyerApplicant') && record.person.duplicateOf === null,
  );
  if (buyer === undefined) return null;
  const start = anchor - 2 * DAY_MS - 13 * 3_600_000;
  viewings.push({
    seq: viewings.length + 1,
    created: Math.max(buyer.created, start - 5 * DAY_MS),
    modified: start + 3_600_000,
    personSeq: buyer.seq,
    applicantKind: 'sales',
    propertySeq: LISTED_PROPERTY_BASE + 1,
    start,
    end: start + 30 * 60_000,
    status: 'completed',
    cancelledAt: null,
  });
  const offered = anchor - DAY_MS + 10 * 3_600_000;
  salesOffers.push({
    seq: salesOffers.length + 1,
    created: offered,
    modified: offered,
    kind: 'sales',
    personSeq: buyer.seq,
    propertySeq: LISTED_PROPERTY_BASE + 1,
    amount: 325_000,
    status: 'pending',
  });
  return buyer.seq;
}

function viewingStatusFor(past: boolean, random: SeededRandom): StreetViewingStatus {
  return past
    ? random.pickWeighted(['completed', 'cancelled', 'missed', 'rejected'] as const, [74, 14, 8, 4])
    : random.pickWeighted(['confirmed', 'unconfirmed', 'cancelled'] as const, [60, 32, 8]);
}

function valuationStatusFor(past: boolean, random: SeededRandom): StreetValuationStatus {
  return past
    ? random.pickWeighted(['completed', 'cancelled'] as const, [85, 15])
    : random.pickWeighted(['booked', 'provisional'] as const, [75, 25]);
}
