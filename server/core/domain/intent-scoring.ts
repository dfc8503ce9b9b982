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
  /**
   * A hot lead is cleared only once its score falls below this (hysteresis): a score hovering
   * around the threshold must not set and clear the flag, and write both to the CRM, every hour.
   */
  hotLeadClearBelow: number;
  /**
   * A new score is written back to the CRMs only when it differs from the last one written by at
   * least this much (or reaches zero): decay moves every score a little every hour, and each write
   * spends the agency's CRM rate budget.
   */
  writeBackMinChange: number;
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
  hotLeadClearBelow: 45,
  writeBackMinChange: 5,
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
  const hotLeadThreshold = positive(given.hotLeadThreshold, DEFAULT_SCORING_POLICY.hotLeadThreshold);
  const clearBelow = positive(
    given.hotLeadClearBelow,
    hotLeadThreshold * (DEFAULT_SCORING_POLICY.hotLeadClearBelow / DEFAULT_SCORING_POLICY.hotLeadThreshold),
  );
  return {
    weights,
    halfLifeDays: positive(given.halfLifeDays, DEFAULT_SCORING_POLICY.halfLifeDays),
    hotLeadThreshold,
    // A clearing point at or above the threshold would make the flag flap: keep it below.
    hotLeadClearBelow: Math.min(clearBelow, hotLeadThreshold),
    writeBackMinChange: positive(given.writeBackMinChange, DEFAULT_SCORING_POLICY.writeBackMinChange),
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

/** One signal's part in a score: what the admin reads as the reason behind it. */
export type ScoreReason = {
  type: ActivityType;
  occurredAt: string;
  /** The signal's full weight, and what is left of it after decay. */
  weight: number;
  contribution: number;
};

/** The signals behind a score at `now`, largest contribution first (those that still count). */
export function scoreReasons(
  signals: readonly Signal[],
  now: Date,
  policy: ScoringPolicy = DEFAULT_SCORING_POLICY,
): ScoreReason[] {
  const halfLifeMs = policy.halfLifeDays * 24 * 60 * 60 * 1000;
  return signals
    .map((signal) => {
      const weight = policy.weights[signal.type];
      const ageMs = Math.max(0, now.getTime() - Date.parse(signal.occurredAt));
      const contribution = Math.round(weight * 0.5 ** (ageMs / halfLifeMs) * 100) / 100;
      return { type: signal.type, occurredAt: signal.occurredAt, weight, contribution };
    })
    .filter((reason) => reason.contribution >= 0.01)
    .sort((a, b) => b.contribution - a.contribution);
}

/** What a rescoring changes: the stored score, the score written to the CRMs, the hot-lead flag. */
export type ScoreChange = {
  save: boolean;
  writeBack: boolean;
  hotLead: 'set' | 'cleared' | null;
};

/**
 * Decides what a new score changes for a contact: saved when it moved at all, written back when
 * it moved materially from the last value written, the flag set at the threshold and cleared
 * only below `hotLeadClearBelow` (hysteresis).
 */
export function scoreChange(
  previous: { score: number; hotLead: boolean; writtenScore: number | null },
  score: number,
  policy: ScoringPolicy = DEFAULT_SCORING_POLICY,
): ScoreChange {
  const hotLead =
    !previous.hotLead && score >= policy.hotLeadThreshold
      ? 'set'
      : previous.hotLead && score < policy.hotLeadClearBelow
        ? 'cleared'
        : null;
  const written = previous.writtenScore ?? 0;
  const writeBack =
    hotLead !== null ||
    Math.abs(score - written) >= policy.writeBackMinChange ||
    (score === 0 && written !== 0) ||
    (previous.writtenScore === null && score > 0);
  return { save: hotLead !== null || Math.abs(score - previous.score) >= 0.005, writeBack, hotLead };
}
