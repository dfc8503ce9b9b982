import type { ActivityType } from '../../../shared/activity.ts';

/**
 * The stages one CRM record goes through: a viewing is booked, then completed; an offer is
 * submitted, then progresses. A record is one signal whatever its stage, so a later stage
 * replaces an earlier one (never the reverse: a late, stale delivery cannot undo a completion).
 */
const STAGES: Partial<Record<ActivityType, { family: string; rank: number }>> = {
  viewing_booked: { family: 'viewing', rank: 1 },
  viewing_completed: { family: 'viewing', rank: 2 },
  offer_submitted: { family: 'offer', rank: 1 },
  offer_progressed: { family: 'offer', rank: 2 },
};

/** What makes an activity one signal with its source and external id: its family, else its type. */
export function signalKey(type: ActivityType): string {
  return STAGES[type]?.family ?? type;
}

/** How far along its family a stage is (0 for types without stages). */
export function stageRank(type: ActivityType): number {
  return STAGES[type]?.rank ?? 0;
}

/** The stages with a rank, for stores that compare ranks in SQL. */
export const RANKED_STAGES: ReadonlyArray<readonly [ActivityType, number]> = Object.entries(STAGES).map(
  ([type, stage]) => [type as ActivityType, stage!.rank] as const,
);
