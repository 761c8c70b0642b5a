// Engine benchmark: a synthetic shop of N customers (≈5 orders each) through what a full
// compute runs: the prediction check with every candidate model, then every stage of
// analyzeShop following the check's choice. `npx tsx test/bench/engine.ts 1000000` prints a table.
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { analyzeShop, DEFAULT_OPTIONS, type TransactionColumns } from "~/segmentation";
import { PURCHASE_MODEL_CANDIDATES } from "~/segmentation/choose-model";
import { checkPredictions } from "~/segmentation/prediction-check";
import { BENCH_SHOP, syntheticShop } from "./synthetic-shop";

/**
 * The compute's engine path (compute-shop.server.ts without the database): the check, then the
 * engine told the check's choice and cut-offs. `record` gets each stage's wall time; the check's
 * stages are recorded after it, totals when they end.
 */
export function checkAndEngine(transactions: TransactionColumns, record: (stage: string, ms: number) => void) {
  let start = performance.now();
  const asOf = BENCH_SHOP.end;
  const check = checkPredictions(transactions, { asOf, candidates: PURCHASE_MODEL_CANDIDATES });
  for (const { stage, ms } of check.timings) record(`check: ${stage}`, ms);
  record("prediction check total (every candidate, verdict, cut-offs)", performance.now() - start);
  const chosen = check.models.find((m) => m.name === check.choice.chosen);
  start = performance.now();
  const { churnRiskHighFrom, churnedBelowPAlive } = check.cutoffs;
  const analysis = analyzeShop(
    transactions,
    {
      asOf,
      churnRiskHighFrom,
      lifecycle: {
        churnedBelowPAlive,
        atRiskBelowPAlive: Math.max(DEFAULT_OPTIONS.lifecycle.atRiskBelowPAlive, churnedBelowPAlive),
      },
    },
    {
      onStage: (stage, ms) => record(`engine: ${stage}`, ms),
      modelChoice: { chosen: check.choice.chosen, label: chosen?.label ?? null },
    },
  );
  record("engine total (live predictions follow the choice)", performance.now() - start);
  return { check, analysis };
}

export interface StageFigure {
  stage: string;
  ms: number;
  heapMB: number;
  rssMB: number;
}

const MB = 1024 * 1024;

export async function benchEngine(customers: number): Promise<StageFigure[]> {
  const figures: StageFigure[] = [];
  const record = (stage: string, ms: number) => {
    const memory = process.memoryUsage();
    figures.push({
      stage,
      ms: Math.round(ms),
      heapMB: Math.round(memory.heapUsed / MB),
      rssMB: Math.round(memory.rss / MB),
    });
  };

  let start = performance.now();
  const transactions = syntheticShop({ customers, ...BENCH_SHOP });
  record(`generate (${transactions.customer.length} orders, not part of the engine)`, performance.now() - start);

  start = performance.now();
  const { analysis } = checkAndEngine(transactions, record);
  record("total: prediction check + engine", performance.now() - start);
  // Keep the result alive until memory was measured.
  if (analysis.customers.count === 0) throw new Error("benchmark shop produced no customers");
  return figures;
}

async function main() {
  const customers = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new Error("usage: tsx test/bench/engine.ts CUSTOMERS");
  console.log(
    `Engine benchmark: ${customers} customers, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`,
  );
  const figures = await benchEngine(customers);
  console.table(figures);
  const peakRss = Math.max(...figures.map((f) => f.rssMB));
  console.log(
    `peak RSS sampled at stage ends: ${peakRss} MB; process max RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
