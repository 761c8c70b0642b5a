// Chart colours with their contrast computed (WCAG 2.x relative luminance), not eyeballed: every
// colour a chart can draw is checked by test/ui/chart-colours.test.ts over the whole scale.

export type Rgb = readonly [number, number, number];

/** The surface charts are drawn on (Polaris card background). */
export const SURFACE = "#ffffff";
/** Axis labels and values printed on the surface. */
export const AXIS_TEXT = "#303030";
/** Grid lines: decoration only, the values are printed as text. */
export const GRID_LINE = "#e3e3e3";
/** Bars: a graphic that must stand out from the surface (WCAG 1.4.11, ≥ 3:1). */
export const BAR_FILL = "#2c6ecb";

// Okabe–Ito hues (distinguishable with common colour-vision deficiencies), the orange and sky
// blue darkened and the grey deepened so each line keeps 3:1 against the surface.
export const SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#9C6B00", "#6A3D9A", "#000000", "#737373"];

/** Heat-map text: white or black, whichever reads better on the cell. */
const LIGHT_TEXT = "#ffffff";
const DARK_TEXT = "#000000";

export function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** HSL (degrees, percent, percent) to 8-bit sRGB, rounded as a browser renders it. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const sat = s / 100;
  const light = l / 100;
  const k = (n: number) => (n + h / 30) % 12;
  const a = sat * Math.min(light, 1 - light);
  const f = (n: number) => light - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [f(0), f(8), f(4)].map((c) => Math.round(c * 255)) as unknown as Rgb;
}

export function relativeLuminance([r, g, b]: Rgb): number {
  const channel = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: string, b: string): number {
  const [x, y] = [relativeLuminance(parseHex(a)), relativeLuminance(parseHex(b))];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/**
 * Background and text colour for a heat-map cell of intensity 0…1: a pale to deep blue, and the
 * text colour chosen by contrast. Black or white always reaches at least 4.58:1 on any background
 * (the worst case is a luminance of 0.179, where both are equal), so no cell can fall below AA.
 */
export function heatCellColours(intensity: number): { background: string; color: string } {
  const clamped = Number.isFinite(intensity) ? Math.max(0, Math.min(1, intensity)) : 0;
  const background = toHex(hslToRgb(217, 70, 96 - clamped * 62));
  const color = contrastRatio(background, LIGHT_TEXT) >= contrastRatio(background, DARK_TEXT) ? LIGHT_TEXT : DARK_TEXT;
  return { background, color };
}
