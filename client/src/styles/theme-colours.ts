/**
 * The colour arithmetic propsync.css does with relative colours, in TypeScript, so a test can
 * measure what a host's accent turns into. OKLab/OKLCH as CSS Color 4 defines them.
 */
export type Oklch = { l: number; c: number; h: number };
type Oklab = { l: number; a: number; b: number };
type Rgb = [number, number, number];

/** The declaration propsync.css derives records-out from; the test keeps the two in step. */
export const SERIES_OUT_CSS = 'oklch(from var(--ps-accent) clamp(0.42, l, 0.6) max(c, 0.14) calc(h + 180))';
const MIN_SERIES_CHROMA = 0.14;
/** Light enough for a dark surface, dark enough for a white one: 3:1 on both. */
const SERIES_OUT_LIGHTNESS = [0.42, 0.6] as const;

/** The declaration propsync.css derives the errors series from; the test keeps the two in step. */
export const SERIES_ERRORS_CSS =
  'oklch(from var(--ps-accent) clamp(0.55, 6.55 - 10 * l, 0.64) 0.2 calc(29 + (clamp(-70, mod(h + 61, 180) - 90, 70) - 70 * clamp(-1, (mod(h + 61, 180) - 75) * 1000000, 1)) * clamp(0, c * 16, 1)))';
/** The danger red's OKLCH hue (the default --propsync-color-danger's). */
const ERRORS_HUE = 29;
/** How far the errors hue keeps from the accent's hue and from its opposite (records out). */
const ERRORS_HUE_GAP = 70;
/**
 * Where, within the gap, an accent sends errors towards magenta rather than orange: a pure red
 * accent gets a magenta errors series, a pink one an orange-brown one.
 */
const ERRORS_SPLIT = -15;
const ERRORS_CHROMA = 0.2;
const ERRORS_LIGHTNESS = [0.55, 0.64] as const;

const clamp = (low: number, high: number, value: number) => Math.min(high, Math.max(low, value));

const toLinear = (channel: number) =>
  channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
const fromLinear = (channel: number) =>
  channel <= 0.0031308 ? channel * 12.92 : 1.055 * channel ** (1 / 2.4) - 0.055;

export function parseHex(hex: string): Rgb {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) throw new Error(`Expected #rrggbb, got ${hex}`);
  const value = Number.parseInt(match[1]!, 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255].map((byte) => byte / 255) as Rgb;
}

function rgbToOklab([r, g, b]: Rgb): Oklab {
  const [lr, lg, lb] = [toLinear(r), toLinear(g), toLinear(b)];
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  return {
    l: 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    a: 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    b: 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  };
}

/** Linear-light sRGB of an OKLab colour, possibly outside [0, 1] (out of gamut). */
function oklabToLinearRgb({ l: L, a, b }: Oklab): Rgb {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

const toOklab = ({ l, c, h }: Oklch): Oklab => ({
  l,
  a: c * Math.cos((h * Math.PI) / 180),
  b: c * Math.sin((h * Math.PI) / 180),
});

export function hexToOklch(hex: string): Oklch {
  const { l, a, b } = rgbToOklab(parseHex(hex));
  const c = Math.hypot(a, b);
  return { l, c, h: c < 1e-4 ? 0 : ((Math.atan2(b, a) * 180) / Math.PI + 360) % 360 };
}

const inGamut = (rgb: Rgb) => rgb.every((channel) => channel >= -1e-4 && channel <= 1 + 1e-4);

/** What a screen shows: chroma reduced until the colour fits sRGB (CSS Color 4 gamut mapping, simplified). */
export function displayed(colour: Oklch): Rgb {
  let low = 0;
  let high = colour.c;
  if (!inGamut(oklabToLinearRgb(toOklab(colour)))) {
    for (let step = 0; step < 30; step++) {
      const mid = (low + high) / 2;
      if (inGamut(oklabToLinearRgb(toOklab({ ...colour, c: mid })))) low = mid;
      else high = mid;
    }
    high = low;
  }
  const linear = oklabToLinearRgb(toOklab({ ...colour, c: high }));
  return linear.map((channel) => fromLinear(Math.min(1, Math.max(0, channel)))) as Rgb;
}

/** `SERIES_OUT_CSS` applied to an accent. */
export function seriesOutFromAccent(accent: string): Oklch {
  const { l, c, h } = hexToOklch(accent);
  return { l: clamp(...SERIES_OUT_LIGHTNESS, l), c: Math.max(c, MIN_SERIES_CHROMA), h: (h + 180) % 360 };
}

/**
 * `SERIES_ERRORS_CSS` applied to an accent. Records in sit at the accent's hue and records out at
 * its opposite, so errors measure their hue against the nearer of the two (the hue modulo 180°)
 * and, when it is within the gap, turn away from it to the gap's edge. A grey accent (no chroma,
 * no hue to speak of) leaves errors at the danger red.
 */
export function seriesErrorsFromAccent(accent: string): Oklch {
  const { l, c, h } = hexToOklch(accent);
  const offset = ((h + 61) % 180) - 90; // h - ERRORS_HUE, folded into [-90, 90)
  const away = clamp(-1, 1, (offset - ERRORS_SPLIT) * 1e6);
  const turn = (clamp(-ERRORS_HUE_GAP, ERRORS_HUE_GAP, offset) - ERRORS_HUE_GAP * away) * clamp(0, 1, c * 16);
  return {
    l: clamp(...ERRORS_LIGHTNESS, 6.55 - 10 * l),
    c: ERRORS_CHROMA,
    h: (((ERRORS_HUE + turn) % 360) + 360) % 360,
  };
}

/** Perceptual distance (ΔE in OKLab) between two displayed colours; 0.02 is about just noticeable. */
export function colourDistance(first: Rgb, second: Rgb): number {
  const a = rgbToOklab(first);
  const b = rgbToOklab(second);
  return Math.hypot(a.l - b.l, a.a - b.a, a.b - b.b);
}

function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map(toLinear) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrastRatio(first: Rgb, second: Rgb): number {
  const [light, dark] = [luminance(first), luminance(second)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
