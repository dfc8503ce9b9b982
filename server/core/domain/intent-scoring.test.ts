import { describe, expect, it } from 'vitest';
import { becomesHotLead, DEFAULT_SCORING_POLICY, intentScore, scoringPolicyFrom } from './intent-scoring.ts';

const now = new Date('2026-11-23T12:00:00Z');
const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();

describe('intent scoring', () => {
  it('weighs a completed viewing above a booked one, and an offer highest', () => {
    const booked = intentScore([{ type: 'viewing_booked', occurredAt: at(0) }], now);
    const completed = intentScore([{ type: 'viewing_completed', occurredAt: at(0) }], now);
    const offer = intentScore([{ type: 'offer_submitted', occurredAt: at(0) }], now);
    expect(booked).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(booked);
    expect(offer).toBeGreaterThan(completed);
  });

  it('halves a signal every half-life', () => {
    const fresh = intentScore([{ type: 'viewing_completed', occurredAt: at(0) }], now);
    const old = intentScore(
      [{ type: 'viewing_completed', occurredAt: at(DEFAULT_SCORING_POLICY.halfLifeDays) }],
      now,
    );
    expect(old).toBeCloseTo(fresh / 2, 2);
  });

  it('puts a viewing completed followed by an offer past the hot-lead threshold, but neither alone', () => {
    const viewing = { type: 'viewing_completed' as const, occurredAt: at(2) };
    const offer = { type: 'offer_submitted' as const, occurredAt: at(0) };
    expect(becomesHotLead(intentScore([viewing], now), false)).toBe(false);
    expect(becomesHotLead(intentScore([offer], now), false)).toBe(false);
    expect(becomesHotLead(intentScore([viewing, offer], now), false)).toBe(true);
    expect(becomesHotLead(intentScore([viewing, offer], now), true)).toBe(false);
  });

  it('takes an agency override for one weight and keeps the other defaults; ignores malformed values', () => {
    const policy = scoringPolicyFrom({
      weights: { email_opened: 10, bogus: 99, call: 'x' },
      hotLeadThreshold: -1,
    });
    expect(policy.weights.email_opened).toBe(10);
    expect(policy.weights.call).toBe(DEFAULT_SCORING_POLICY.weights.call);
    expect(policy.hotLeadThreshold).toBe(DEFAULT_SCORING_POLICY.hotLeadThreshold);
    expect(scoringPolicyFrom(null)).toBe(DEFAULT_SCORING_POLICY);
  });

  it('never counts a signal from the future as more than a fresh one', () => {
    const future = new Date(now.getTime() + 86_400_000).toISOString();
    expect(intentScore([{ type: 'viewing_completed', occurredAt: future }], now)).toBe(
      intentScore([{ type: 'viewing_completed', occurredAt: at(0) }], now),
    );
  });
});
