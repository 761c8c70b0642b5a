import { describe, expect, it } from "vitest";
import {
  expectedPurchases,
  expectedPurchasesIfAlive,
  expectedPurchasesIfAliveByQuadrature,
  expectedPurchasesIfAliveBySeries,
  medianTimeToNextPurchase,
  probabilityAlive,
  probabilityOfPurchase,
} from "~/segmentation/bgnbd";

const cdnow = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: 0 };

describe("BG/NBD predictions", () => {
  it("agree between the hypergeometric series and the quadrature where both are valid", () => {
    for (const [a, b] of [
      [20, 120],
      [45, 200],
    ]) {
      const p = { r: 0.9, alpha: 70, a, b, logLikelihood: 0 };
      for (const [t, x, T] of [
        [365, 3, 400],
        [3650, 0, 0],
        [90, 25, 700],
      ]) {
        expect(expectedPurchasesIfAliveByQuadrature(p, t, x, T)).toBeCloseTo(
          expectedPurchasesIfAliveBySeries(p, t, x, T),
          6,
        );
      }
    }
  });

  it("stay finite and continuous for very large a and b (homogeneous dropout)", () => {
    const moderate = expectedPurchasesIfAlive({ r: 0.9, alpha: 70, a: 2000, b: 12000, logLikelihood: 0 }, 365, 3, 400);
    const extreme = expectedPurchasesIfAlive({ r: 0.9, alpha: 70, a: 5e5, b: 3e6, logLikelihood: 0 }, 365, 3, 400);
    expect(Number.isFinite(extreme)).toBe(true);
    expect(extreme).toBeCloseTo(moderate, 2);
  });

  it("behave like probabilities and expectations should", () => {
    expect(probabilityAlive(cdnow, 0, 0, 30)).toBe(1); // no repeat purchase: no chance to drop out yet
    // Same frequency, a longer silence since the last purchase: less likely alive.
    expect(probabilityAlive(cdnow, 4, 30, 38)).toBeGreaterThan(probabilityAlive(cdnow, 4, 10, 38));
    let previous = 0;
    for (const t of [1, 4, 13, 52, 520]) {
      const value = expectedPurchases(cdnow, t, 4, 30, 38);
      expect(value).toBeGreaterThan(previous);
      previous = value;
    }
    const p = probabilityOfPurchase(cdnow, 13, 4, 30, 38);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(probabilityAlive(cdnow, 4, 30, 38));
    // Half of the alive customers buy within the median wait.
    const median = medianTimeToNextPurchase(cdnow, 4, 38);
    expect(probabilityOfPurchase(cdnow, median, 4, 30, 38) / probabilityAlive(cdnow, 4, 30, 38)).toBeCloseTo(0.5, 12);
  });
});
