import { describe, expect, it } from "vitest";
import { digamma, hypergeometric2F1, logGamma } from "~/segmentation/special-functions";

describe("special functions", () => {
  it("log-gamma matches factorials and Γ(1/2) = √π", () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n++) {
      expect(logGamma(n + 1)).toBeCloseTo((logFactorial += Math.log(n)), 10);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(1e-3)).toBeCloseTo(6.907178885383854, 9);
  });

  it("digamma matches known values and the recurrence", () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 12);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 12);
    for (const x of [0.01, 0.3, 2.5, 17, 250]) expect(digamma(x + 1) - digamma(x)).toBeCloseTo(1 / x, 9);
  });

  it("2F1 matches closed forms", () => {
    for (const z of [0.01, 0.3, 0.7, 0.95]) {
      expect(hypergeometric2F1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(hypergeometric2F1(0.5, 2, 2, z)).toBeCloseTo(Math.pow(1 - z, -0.5), 10);
    }
  });
});
