import type { ActivityType } from '../../../shared/activity.ts';

/** What a CRM's diary and offers give when it lists all three by change: every stage of each. */
export const VIEWING_VALUATION_AND_OFFER_TYPES = [
  'viewing_booked',
  'viewing_completed',
  'valuation_booked',
  'offer_submitted',
  'offer_progressed',
] as const satisfies readonly ActivityType[];
