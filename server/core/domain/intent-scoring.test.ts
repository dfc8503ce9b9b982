import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORING_POLICY,
  intentScore,
  scoreChange,
  scoreReasons,
  scoringPolicyFrom,
} from './intent-scoring.ts';

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
    const flag = (score: number, hotLead: boolean) =>
      scoreChange({ score: 0, hotLead, writtenScore: null }, score).hotLead;
    expect(flag(intentScore([viewing], now), false)).toBeNull();
    expect(flag(intentScore([offer], now), false)).toBeNull();
    expect(flag(intentScore([viewing, offer], now), false)).toBe('set');
    expect(flag(intentScore([viewing, offer], now), true)).toBeNull();
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

  describe('what a new score changes (the default policy)', () => {
    const before = (score: number, hotLead: boolean, writtenScore: number | null = score) => ({
      score,
      hotLead,
      writtenScore,
    });

    it('sets the flag at the threshold and clears it only below the clearing point (hysteresis)', () => {
      expect(scoreChange(before(50, false), 60).hotLead).toBe('set');
      expect(scoreChange(before(50, false), 59.9).hotLead).toBeNull();
      // Hovering between the clearing point and the threshold changes nothing.
      expect(scoreChange(before(61, true), 55).hotLead).toBeNull();
      expect(scoreChange(before(55, true), 45).hotLead).toBeNull();
      expect(scoreChange(before(45, true), 44.9).hotLead).toBe('cleared');
      // Once cleared, coming back up to just under the threshold does not set it again.
      expect(scoreChange(before(44.9, false), 59).hotLead).toBeNull();
    });

    it('writes a decayed score back only when it moved materially from the last one written', () => {
      expect(scoreChange(before(40, false, 40), 37)).toEqual({ save: true, writeBack: false, hotLead: null });
      expect(scoreChange(before(37, false, 40), 35)).toEqual({ save: true, writeBack: true, hotLead: null });
      expect(scoreChange(before(0.4, false, 3), 0).writeBack).toBe(true);
      expect(scoreChange(before(0, false, null), 12).writeBack).toBe(true);
      expect(scoreChange(before(12, false, 12), 12)).toEqual({
        save: false,
        writeBack: false,
        hotLead: null,
      });
      // A flag change always goes out, with the score it came with.
      expect(scoreChange(before(46, true, 47), 44)).toMatchObject({
        writeBack: true,
        hotLead: 'cleared',
      });
    });

    it("takes an agency's clearing point and write-back step, and keeps the clearing point below the threshold", () => {
      expect(scoringPolicyFrom({ hotLeadThreshold: 80 }).hotLeadClearBelow).toBe(60);
      expect(scoringPolicyFrom({ hotLeadClearBelow: 30, writeBackMinChange: 1 })).toMatchObject({
        hotLeadClearBelow: 30,
        writeBackMinChange: 1,
      });
      expect(scoringPolicyFrom({ hotLeadThreshold: 50, hotLeadClearBelow: 70 }).hotLeadClearBelow).toBe(50);
    });
  });

  it('explains a score by its signals, largest part first, each decayed by its age', () => {
    const reasons = scoreReasons(
      [
        { type: 'viewing_booked', occurredAt: at(0) },
        { type: 'offer_progressed', occurredAt: at(14) },
        { type: 'note', occurredAt: at(0) },
      ],
      now,
    );
    expect(reasons).toEqual([
      { type: 'offer_progressed', occurredAt: at(14), weight: 45, contribution: 22.5 },
      { type: 'viewing_booked', occurredAt: at(0), weight: 15, contribution: 15 },
    ]);
  });
});
