import { describe, expect, it } from "vitest";
import { kpiPeriodOf, periodKpis } from "~/segmentation/period-kpis";

describe("period KPIs from per-period counts", () => {
  it("derives AOV, repeat rate and retention; the first row is only the base of the second's retention", () => {
    const kpis = periodKpis([
      { start: "2026-06-01", revenue: 500, orders: 10, buyers: 8, returning: 2, retained: 0 },
      { start: "2026-07-01", revenue: 300.005, orders: 4, buyers: 4, returning: 3, retained: 2 },
      { start: "2026-08-01", revenue: 0, orders: 0, buyers: 0, returning: 0, retained: 0 },
      { start: "2026-09-01", revenue: 90, orders: 2, buyers: 1, returning: 1, retained: 0 },
    ]);
    expect(kpis).toEqual([
      { start: "2026-07-01", revenue: 300.01, orders: 4, buyers: 4, aov: 75, repeatRate: 0.75, retention: 0.25 },
      { start: "2026-08-01", revenue: 0, orders: 0, buyers: 0, aov: null, repeatRate: null, retention: 0 },
      { start: "2026-09-01", revenue: 90, orders: 2, buyers: 1, aov: 45, repeatRate: 1, retention: null },
    ]);
    expect(periodKpis([])).toEqual([]);
  });

  it("reads the period from a query parameter, monthly unless weekly is asked for", () => {
    expect(kpiPeriodOf("week")).toBe("week");
    expect(kpiPeriodOf("month")).toBe("month");
    expect(kpiPeriodOf("year")).toBe("month");
    expect(kpiPeriodOf(null)).toBe("month");
  });
});
