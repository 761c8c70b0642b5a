// The CDNOW sample of Fader, Hardie & Lee (2005): rebuilding the paper's calibration summary
// from raw transactions and reproducing its published BG/NBD estimates.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseInput } from "~/cli/analyze-input";
import { analyzeShop, expectedPurchases } from "~/segmentation";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cdnowDir = resolve(repoRoot, "../shared/data/cdnow");
const AS_OF = Date.UTC(1997, 8, 30);

function loadCdnow() {
  return parseInput(readFileSync(resolve(cdnowDir, "CDNOW_sample.txt"), "utf8"), "transactions");
}

describe("CDNOW calibration (39 weeks to 1997-09-30, weekly periods)", () => {
  const input = loadCdnow();
  const analysis = analyzeShop(input.transactions, { asOf: AS_OF, periodUnit: "week", explanations: false });

  it("reads all 6,919 transactions of 2,357 customers", () => {
    expect(input.layout).toBe("cdnow");
    expect(input.transactions.customer.length).toBe(6919);
    expect(analysis.customers.count).toBe(2357);
  });

  it("rebuilds the paper's per-customer summary (x, t_x, T) exactly", () => {
    const lines = readFileSync(resolve(cdnowDir, "cdnow_customers_summary.csv"), "utf8").trim().split("\n").slice(1);
    const expected = new Map(
      lines.map((line) => {
        const [id, x, tx, T] = line.split(",");
        return [Number(id), { x: Number(x), tx: Number(tx), T: Number(T) }];
      }),
    );
    const { ids, features } = analysis.customers;
    let compared = 0;
    for (let c = 0; c < ids.length; c++) {
      const want = expected.get(Number(ids[c]))!;
      expect(features.frequency[c]).toBe(want.x);
      expect(features.recency[c]).toBeCloseTo(want.tx, 2);
      expect(features.age[c]).toBeCloseTo(want.T, 2);
      compared++;
    }
    expect(compared).toBe(expected.size);
  });

  it("reproduces the published estimates r=0.243 α=4.414 a=0.793 b=2.426, LL −9582.4", () => {
    const p = analysis.model.bgnbd!;
    expect(p.r.toPrecision(3)).toBe("0.243");
    expect(p.alpha.toPrecision(3)).toBe("4.41");
    expect(p.a.toPrecision(3)).toBe("0.793");
    expect(p.b.toPrecision(3)).toBe("2.43");
    expect(p.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(analysis.diagnostics.bgnbdConverged).toBe(true);
  });

  it("gives the paper's conditional expectation for its worked example (x=2, t_x=30.43, T=38.86 → 1.226 in 39 weeks)", () => {
    expect(expectedPurchases(analysis.model.bgnbd!, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it("fits Gamma-Gamma on the repeat buyers to a finite-mean model", () => {
    const gg = analysis.model.gammaGamma!;
    expect(gg.q).toBeGreaterThan(1);
    // Model-implied mean spend per transaction is close to the observed mean repeat spend.
    const { frequency, repeatSpend } = analysis.customers.features;
    let sum = 0;
    let count = 0;
    for (let c = 0; c < frequency.length; c++) {
      if (frequency[c] > 0) {
        sum += repeatSpend[c];
        count++;
      }
    }
    expect((gg.p * gg.gamma) / (gg.q - 1)).toBeGreaterThan(0.8 * (sum / count));
    expect((gg.p * gg.gamma) / (gg.q - 1)).toBeLessThan(1.2 * (sum / count));
  });

  it("prints the fitted parameters as JSON from the CLI", async () => {
    const tsx = resolve(repoRoot, "node_modules/.bin/tsx");
    const { stdout } = await promisify(execFile)(
      tsx,
      [
        "app/cli/analyze.ts",
        "--input",
        resolve(cdnowDir, "CDNOW_sample.txt"),
        "--as-of",
        "1997-09-30",
        "--period",
        "week",
        "--json",
      ],
      { cwd: repoRoot },
    );
    const summary = JSON.parse(stdout);
    expect(summary.customers).toBe(2357);
    expect(summary.bgnbd.r).toBeCloseTo(0.243, 3);
    expect(summary.bgnbd.alpha).toBeCloseTo(4.414, 2);
    expect(summary.bgnbd.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(Object.keys(summary.gammaGamma).sort()).toEqual(["gamma", "logLikelihood", "p", "q"]);
  });
});
