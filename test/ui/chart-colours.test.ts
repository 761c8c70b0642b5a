import { describe, expect, it } from "vitest";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { HeatMapTable } from "~/components/charts/HeatMapTable";
import {
  AXIS_TEXT,
  BAR_FILL,
  GRID_LINE,
  SERIES_COLOURS,
  SURFACE,
  contrastRatio,
  heatCellColours,
  hslToRgb,
  parseHex,
  relativeLuminance,
  toHex,
} from "~/components/charts/colours";

// Whatever the data, every colour a chart can draw stays readable (WCAG AA: 4.5:1 for text,
// 3:1 for graphics). The heat map's values change with the shop and the day, so the whole scale
// is walked, not the cells one seeded shop happens to produce.

const STEPS = 1000;

describe("chart colours", () => {
  it("converts and measures colours as the CSS and WCAG definitions do", () => {
    expect(toHex(hslToRgb(0, 100, 50))).toBe("#ff0000");
    expect(toHex(hslToRgb(120, 100, 25))).toBe("#008000");
    expect(toHex(hslToRgb(240, 100, 50))).toBe("#0000ff");
    expect(toHex(hslToRgb(0, 0, 50))).toBe("#808080");
    expect(toHex(hslToRgb(60, 100, 75))).toBe("#ffff80");
    expect(relativeLuminance(parseHex("#ffffff"))).toBeCloseTo(1, 10);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 10);
    // WebAIM's checker: #767676 on white is 4.54:1.
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });

  it(`gives every heat-map cell text of at least 4.5:1, over ${STEPS} steps of the scale`, () => {
    let worst = Infinity;
    let previousLuminance = Infinity;
    for (let i = 0; i <= STEPS; i++) {
      const { background, color } = heatCellColours(i / STEPS);
      const ratio = contrastRatio(background, color);
      worst = Math.min(worst, ratio);
      expect(ratio, `intensity ${i / STEPS}: ${color} on ${background}`).toBeGreaterThanOrEqual(4.5);
      // The scale darkens as the value grows, so more still reads as more.
      const luminance = relativeLuminance(parseHex(background));
      expect(luminance).toBeLessThanOrEqual(previousLuminance);
      previousLuminance = luminance;
    }
    // Both text colours are used: the scale runs from pale to deep.
    expect(new Set([0, 1].map((i) => heatCellColours(i).color)).size).toBe(2);
    expect(worst).toBeLessThan(7);
  });

  it("keeps out-of-range and non-finite intensities on the scale", () => {
    expect(heatCellColours(-3)).toEqual(heatCellColours(0));
    expect(heatCellColours(42)).toEqual(heatCellColours(1));
    expect(heatCellColours(Number.NaN)).toEqual(heatCellColours(0));
  });

  it("renders every cell of a heat map with readable colours", () => {
    const values = Array.from({ length: STEPS + 1 }, (_, i) => i);
    const html = renderToStaticMarkup(
      createElement(HeatMapTable, {
        caption: "scale",
        columnHeader: "Row",
        columns: values.map(String),
        rows: [{ label: "all", cells: values }],
        format: (v: number) => String(v),
      }),
    );
    const cells = [...html.matchAll(/<td style="([^"]*)"/g)].map((m) => {
      const style = Object.fromEntries(m[1].split(";").map((d) => d.split(":").map((s) => s.trim())));
      return { background: style.background, color: style.color };
    });
    expect(cells).toHaveLength(STEPS + 1);
    for (const cell of cells) expect(contrastRatio(cell.background, cell.color)).toBeGreaterThanOrEqual(4.5);
  });

  it("draws lines, bars and axis text that stand out from the card", () => {
    for (const colour of [...SERIES_COLOURS, BAR_FILL]) {
      expect(contrastRatio(colour, SURFACE), colour).toBeGreaterThanOrEqual(3);
    }
    expect(contrastRatio(AXIS_TEXT, SURFACE)).toBeGreaterThanOrEqual(4.5);
    expect(new Set(SERIES_COLOURS).size).toBe(SERIES_COLOURS.length);
    // Grid lines are decoration: lighter than anything that carries data.
    expect(contrastRatio(GRID_LINE, SURFACE)).toBeLessThan(1.5);
  });
});
