import type { ActivityType } from '../../../shared/activity.ts';

/**
 * How engagement signals become an intent score (docs/product-rules.md): a weight per signal,
 * halved every `halfLifeDays` so last month's viewing counts less than this week's, and a threshold
 * above which a contact is a hot lead. An agency can override any part; the rest stays default.
 */
export type ScoringPolicy = {
  weights: Record<ActivityType, number>;
  halfLifeDays: number;
  hotLeadThreshold: number;
};

export const DEFAULT_SCORING_POLICY: ScoringPolicy = {
  weights: {
    email_sent: 0,
    email_opened: 3,
    email_clicked: 8,
    viewing_booked: 15, // moderate positive
    viewing_completed: 30, // strong positive
    valuation_booked: 30, // strong positive
    offer_submitted: 45, // triggers a hot-lead review
    offer_progressed: 45,
    call: 5,
    note: 0,
  },
  halfLifeDays: 14,
  hotLeadThreshold: 60,
};

export type Signal = { type: ActivityType; occurredAt: string };

/** Merges an agency's stored overrides onto the defaults, ignoring anything malformed. */
export function scoringPolicyFrom(overrides: unknown): ScoringPolicy {
  if (!overrides || typeof overrides !== 'object') return DEFAULT_SCORING_POLICY;
  const given = overrides as Partial<Record<keyof ScoringPolicy, unknown>>;
  const weights = { ...DEFAULT_SCORING_POLICY.weights };
  if (given.weights && typeof given.weights === 'object') {
    for (const [type, weight] of Object.entries(given.weights)) {
      if (type in weights && typeof weight === 'number' && Number.isFinite(weight))
        weights[type as ActivityType] = weight;
    }
  }
  const positive = (value: unknown, fallback: number) =>
    typeof value === 'number' && value > 0 ? value : fallback;
  return {
    weights,
    halfLifeDays: positive(given.halfLifeDays, DEFAULT_SCORING_POLICY.halfLifeDays),
    hotLeadThreshold: positive(given.hotLeadThreshold, DEFAULT_SCORING_POLICY.hotLeadThreshold),
  };
}

/** The score at `now`: each signal's weight decayed by its age, summed, rounded to two places. */
export function intentScore(
  signals: readonly Signal[],
  now: Date,
  policy: ScoringPolicy = DEFAULT_SCORING_POLICY,
): number {
  const halfLifeMs = policy.halfLifeDays * 24 * 60 * 60 * 1000;
  let score = 0;
  for (const signal of signals) {
    const ageMs = Math.max(0, now.getTime() - Date.parse(signal.occurredAt));
    score += policy.weights[signal.type] * 0.5 ** (ageMs / halfLifeMs);
  }
  return Math.round(score * 100) / 100;
}

/** A contact becomes a hot lead the first time its score reaches the threshold. */
export function becomesHotLead(
  score: number,
  alreadyHotLead: boolean,
  policy: ScoringPolicy = DEFAULT_SCORING_POLICY,
): boolean {
  return !alreadyHotLead && score >= policy.hotLeadThreshold;
}
