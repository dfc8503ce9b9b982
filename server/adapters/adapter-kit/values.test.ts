import { describe, expect, it } from 'vitest';
import { blankToNull, unique, UK_COUNTRY_NAMES } from './values.ts';
import { ENGAGEMENT_SCORE_MARKER, propsyncMarker, propsyncReference } from './write-back-markers.ts';

describe('adapter values', () => {
  it('reads blank text as null and trims the rest', () => {
    expect([undefined, null, '', '   ', ' Ann '].map(blankToNull)).toEqual([null, null, null, null, 'Ann']);
  });

  it('keeps each non-null value once, in first-seen order', () => {
    expect(unique(['b', null, 'a', 'b', null])).toEqual(['b', 'a']);
  });

  it('knows the names CRMs give the UK', () => {
    expect(['uk', 'northern ireland'].every((name) => UK_COUNTRY_NAMES.has(name))).toBe(true);
    expect(UK_COUNTRY_NAMES.has('ireland')).toBe(false);
  });
});

describe('write-back markers', () => {
  it('writes the markers already stored in CRMs, unchanged', () => {
    expect(propsyncMarker('email:42')).toBe('[propsync:email:42]');
    expect(ENGAGEMENT_SCORE_MARKER).toBe('[propsync:engagement-score]');
    expect(propsyncReference('email:42', 100)).toBe('propsync:email:42');
  });

  it('hashes a key too long for the field into a stable reference that fits', () => {
    const key = 'k'.repeat(200);
    const reference = propsyncReference(key, 100);
    expect(reference.length).toBeLessThanOrEqual(100);
    expect(reference).toMatch(/^propsync:sha256:[A-Za-z0-9_-]+$/);
    expect(propsyncReference(key, 100)).toBe(reference);
    expect(propsyncReference(`${key}x`, 100)).not.toBe(reference);
  });
});
