// The paper's CDNOW calibration summary as compressed BG/NBD / Pareto/NBD rows.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compressSummaries, type SummaryRows } from "~/segmentation/bgnbd";

const cdnowDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/data/cdnow");

/** The paper's calibration summary (weeks), as whole days with weekly periods. */
export function cdnowRows(): SummaryRows {
  const lines = readFileSync(resolve(cdnowDir, "cdnow_customers_summary.csv"), "utf8").trim().split("\n").slice(1);
  const x = new Float64Array(lines.length);
  const span = new Int32Array(lines.length);
  const age = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const [, frequency, recency, T] = line.split(",").map(Number);
    x[i] = frequency;
    span[i] = Math.round(recency * 7);
    age[i] = Math.round(T * 7);
  });
  return compressSummaries(x, span, age, 7).rows;
}
