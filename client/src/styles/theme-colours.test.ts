import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  colourDistance,
  contrastRatio,
  displayed,
  parseHex,
  SERIES_OUT_CSS,
  seriesOutFromAccent,
} from './theme-colours.ts';

/** The themes the story shows, plus accents hosts are likely to pick: [accent, surface]. */
const THEMES = {
  default: ['#1d4ed8', '#ffffff'],
  dark: ['#60a5fa', '#111827'],
  'custom green accent': ['#15803d', '#ffffff'],
  'bright green accent': ['#16a34a', '#ffffff'],
  'red accent': ['#dc2626', '#ffffff'],
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

  it('the old fixed green was nearly the green accent: the measure sees the problem', () => {
    expect(colourDistance(parseHex('#15803d'), parseHex('#17653a'))).toBeLessThan(MIN_GREY_SERIES_DISTANCE);
  });

  it.each(Object.entries(THEMES))(
    '%s: records in and out stay apart and legible',
    (_theme, [accent, surface]) => {
      const recordsIn = parseHex(accent);
      const recordsOut = displayed(seriesOutFromAccent(accent));
      expect(colourDistance(recordsIn, recordsOut)).toBeGreaterThanOrEqual(MIN_SERIES_DISTANCE);
      // Bars are graphics: WCAG asks 3:1 against what they sit on.
      expect(contrastRatio(recordsOut, parseHex(surface))).toBeGreaterThanOrEqual(3);
    },
  );

  it.each(GREY_ACCENTS)('grey accent %s still gets a distinct records-out colour', (accent) => {
    const recordsOut = displayed(seriesOutFromAccent(accent));
    expect(colourDistance(parseHex(accent), recordsOut)).toBeGreaterThanOrEqual(MIN_GREY_SERIES_DISTANCE);
    expect(contrastRatio(recordsOut, parseHex('#ffffff'))).toBeGreaterThanOrEqual(3);
  });
});
