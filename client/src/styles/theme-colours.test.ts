import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  colourDistance,
  contrastRatio,
  displayed,
  parseHex,
  SERIES_ERRORS_CSS,
  SERIES_OUT_CSS,
  seriesErrorsFromAccent,
  seriesOutFromAccent,
} from './theme-colours.ts';

/** The themes the story shows, plus accents hosts are likely to pick: [accent, surface]. */
const THEMES = {
  default: ['#1d4ed8', '#ffffff'],
  dark: ['#60a5fa', '#111827'],
  'custom green accent': ['#15803d', '#ffffff'],
  'bright green accent': ['#16a34a', '#ffffff'],
  'red accent': ['#dc2626', '#ffffff'],
  'danger-red accent': ['#b42318', '#ffffff'],
  'yellow accent': ['#eab308', '#ffffff'],
  'lime accent': ['#84cc16', '#ffffff'],
  'orange accent': ['#f97316', '#ffffff'],
  'cyan accent': ['#06b6d4', '#ffffff'],
  'sky accent': ['#0ea5e9', '#ffffff'],
  'pink accent': ['#ec4899', '#ffffff'],
  'violet accent': ['#6d28d9', '#ffffff'],
} as const;
/** Greys have almost no hue to turn around: the derived colour gets its own chroma instead. */
const GREY_ACCENTS = ['#4b5563', '#111827'];

/** Records in and out this far apart (ΔE OKLab) read as two colours at a glance. */
const MIN_SERIES_DISTANCE = 0.2;
const MIN_GREY_SERIES_DISTANCE = 0.1;

describe('chart series colours derived from the theme', () => {
  it('propsync.css derives records-out with the formula measured here', () => {
    const css = fs.readFileSync(path.join(import.meta.dirname, 'propsync.css'), 'utf8');
    expect(css).toContain(SERIES_OUT_CSS);
    expect(css).toMatch(
      /propsync-history__bar--out \{\s*background: var\(--ps-series-out\);\s*fill: var\(--ps-series-out\);/,
    );
  });

  it('propsync.css derives errors with the formula measured here', () => {
    const css = fs.readFileSync(path.join(import.meta.dirname, 'propsync.css'), 'utf8');
    // Prettier breaks the long declaration over lines: compare without whitespace.
    const withoutSpace = (text: string) => text.replace(/\s+/g, '');
    expect(withoutSpace(css)).toContain(withoutSpace(SERIES_ERRORS_CSS));
    expect(css).toMatch(
      /propsync-history__bar--errors \{\s*background: var\(--ps-series-errors\);\s*fill: var\(--ps-series-errors\);/,
    );
  });

  it('the old fixed danger red was nearly a red accent: the measure sees the problem', () => {
    expect(colourDistance(parseHex('#dc2626'), parseHex('#b42318'))).toBeLessThan(MIN_SERIES_DISTANCE);
  });

  it('the old fixed green was nearly the green accent: the measure sees the problem', () => {
    expect(colourDistance(parseHex('#15803d'), parseHex('#17653a'))).toBeLessThan(MIN_GREY_SERIES_DISTANCE);
  });

  it.each(Object.entries(THEMES))(
    '%s: records in, records out and errors stay apart and legible',
    (_theme, [accent, surface]) => {
      const recordsIn = parseHex(accent);
      const recordsOut = displayed(seriesOutFromAccent(accent));
      const errors = displayed(seriesErrorsFromAccent(accent));
      expect(colourDistance(recordsIn, recordsOut)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
      expect(colourDistance(recordsIn, errors)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
      expect(colourDistance(recordsOut, errors)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
      // Bars are graphics: WCAG asks 3:1 against what they sit on.
      expect(contrastRatio(recordsOut, parseHex(surface))).toBeGreaterThanOrEqual(3);
      expect(contrastRatio(errors, parseHex(surface))).toBeGreaterThanOrEqual(3);
    },
  );

  it('errors stay a red where the accent is far from red', () => {
    for (const accent of ['#1d4ed8', '#84cc16', '#6d28d9', '#4b5563']) {
      const { h } = seriesErrorsFromAccent(accent);
      expect(Math.min(Math.abs(h - 29), 360 - Math.abs(h - 29))).toBeLessThanOrEqual(15);
    }
  });

  it.each(GREY_ACCENTS)('grey accent %s still gets distinct records-out and errors colours', (accent) => {
    const recordsOut = displayed(seriesOutFromAccent(accent));
    const errors = displayed(seriesErrorsFromAccent(accent));
    expect(colourDistance(parseHex(accent), recordsOut)).toBeGreaterThanOrEqual(MIN_GREY_SERIES_DISTANCE);
    expect(colourDistance(parseHex(accent), errors)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
    expect(colourDistance(recordsOut, errors)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
    expect(contrastRatio(recordsOut, parseHex('#ffffff'))).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(errors, parseHex('#ffffff'))).toBeGreaterThanOrEqual(3);
  });
});
