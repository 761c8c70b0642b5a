// Engine benchmark: a synthetic shop of N customers (≈5 orders each) through every stage
// of analyzeShop. `npx tsx test/bench/engine.ts 1000000` prints a table.
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { analyzeShop } from "~/segmentation";
import { BENCH_SHOP, syntheticShop } from "./synthetic-shop";

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
    figures.push({ stage, ms: Math.round(ms), heapMB: Math.round(memory.heapUsed / MB), rssMB: Math.round(memory.rss / MB) });
  };

  let start = performance.now();
  const transactions = syntheticShop({ customers, ...BENCH_SHOP });
  record(`generate (${transactions.customer.length} orders, not part of the engine)`, performance.now() - start);

  start = performance.now();
  const analysis = analyzeShop(transactions, { asOf: BENCH_SHOP.end }, { onStage: record });
  record("total engine", performance.now() - start);
  // Keep the result alive until memory was measured.
  if (analysis.customers.count === 0) throw new Error("benchmark shop produced no customers");
  return figures;
}

async function main() {
  const customers = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new Error("usage: tsx test/bench/engine.ts CUSTOMERS");
  console.log(`Engine benchmark: ${customers} customers, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`);
  const figures = await benchEngine(customers);
  console.table(figures);
  const peakRss = Math.max(...figures.map((f) => f.rssMB));
  console.log(`peak RSS sampled at stage ends: ${peakRss} MB; process max RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
