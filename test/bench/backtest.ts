// Backtest benchmark: the compute's engine path on one synthetic shop — the prediction check
// with every candidate, then the engine and its live predictions following the choice — stage
// by stage with CPU time of the totals. `npx tsx test/bench/backtest.ts 1000000` prints a table.
import { pathToFileURL } from "node:url";
import { checkAndEngine } from "./engine";
import { BENCH_SHOP, syntheticShop } from "./synthetic-shop";

const MB = 1024 * 1024;

/** CPU milliseconds (user + system) of this process so far: fairer than wall time on a shared machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export function benchBacktest(customers: number): { stage: string; ms: number; cpuMs: number; rssMB: number }[] {
  const figures: { stage: string; ms: number; cpuMs: number; rssMB: number }[] = [];
  let lastCpu = cpuMs();
  // A stage's CPU time is what the process used since the previous record; totals pass their own.
  const record = (stage: string, ms: number, cpu?: number) => {
    const now = cpuMs();
    figures.push({
      stage,
      ms: Math.round(ms),
      cpuMs: Math.round(cpu ?? now - lastCpu),
      rssMB: Math.round(process.memoryUsage().rss / MB),
    });
    lastCpu = now;
  };

  let start = performance.now();
  const transactions = syntheticShop({ customers, ...BENCH_SHOP });
  record(`generate (${transactions.customer.length} orders)`, performance.now() - start);

  start = performance.now();
  const startCpu = cpuMs();
  // What a compute runs: the check with every candidate, then the engine following its choice.
  // The check's stages are reported after it (wall time only); the engine's as they end.
  let phaseCpu = startCpu;
  const { check, analysis } = checkAndEngine(transactions, (stage, ms) => {
    if (stage.includes("total")) {
      record(stage, ms, cpuMs() - phaseCpu);
      phaseCpu = cpuMs();
    } else record(stage, ms, stage.startsWith("check:") ? Number.NaN : undefined);
  });
  record("check + engine + live predictions", performance.now() - start, cpuMs() - startCpu);
  for (const model of check.models) {
    const metrics = model.metrics;
    console.log(
      `${model.label}: correlation ${metrics?.correlation?.toFixed(3)}, total ${metrics?.totalErrorPercent?.toFixed(1)} %, MAE ${metrics?.meanAbsoluteError.toFixed(4)}, RMSE ${metrics?.rootMeanSquaredError.toFixed(4)}; ${JSON.stringify(model.params, (_, v: unknown) => (typeof v === "number" ? Number(v.toPrecision(4)) : v))}`,
    );
  }
  console.log(`choice: ${check.choice.reason}`);
  const live = analysis.diagnostics.liveModel;
  console.log(`live: ${live?.uses}${live?.note ? ` (${live.note})` : ""}`);
  if (analysis.customers.count === 0 || check.labels.length === 0) throw new Error("benchmark shop produced nothing");
  console.log(`calibration customers ${check.calibration.customers}; sufficient: ${check.sufficiency.sufficient}`);
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const customers = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new Error("usage: tsx test/bench/backtest.ts CUSTOMERS");
  console.table(benchBacktest(customers));
  console.log(`process max RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
