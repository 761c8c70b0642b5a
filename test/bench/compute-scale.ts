// Compute at scale (issue 14): shops of N customers (≈3 orders each, drawn from the engine's
// models) written at database level the way a back-fill writes them, into a database that
// already holds another shop whose statistics are the only ones the planner has (no ANALYZE
// after the new shop's rows: stale, as after a back-fill with autovacuum off or under its
// threshold). Per size: the full compute's phases, rows written, peak RSS, then a re-run with
// nothing changed (rows written must be 0) — and time per customer, which must stay flat.
import { cpus, loadavg } from "node:os";
import { prepareBenchDatabase } from "./env";

export interface ComputeScaleFigure {
  customers: number;
  orders: number;
  seedS: number;
  loadS: number;
  checkS: number;
  engineS: number;
  scoresS: number;
  membershipsS: number;
  snapshotsS: number;
  totalS: number;
  usPerCustomer: number;
  rowsWritten: number;
  rerunS: number;
  rerunRowsWritten: number;
  peakRssMB: number;
  loadAverage: string;
}

const OTHER_SHOP_CUSTOMERS = 500_000;
const NOW = new Date("2026-06-30T00:00:00Z");

export async function benchComputeScale(sizes: number[]): Promise<ComputeScaleFigure[]> {
  await prepareBenchDatabase();
  const { default: db } = await import("~/db.server");
  const { computeShop } = await import("~/compute/compute-shop.server");
  const { seedShopOrders, seedSyntheticShop } = await import("../helpers/seed-orders");
  const round = (ms: number) => Math.round(ms / 100) / 10;
  process.stderr.write(
    `compute-scale on ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );

  // The other shop, analysed once: every later shop is unknown to the statistics.
  const otherDomain = "compute-scale-other.myshopify.com";
  if (!(await db.shop.findUnique({ where: { domain: otherDomain } }))) {
    await seedShopOrders(otherDomain, { customers: OTHER_SHOP_CUSTOMERS, now: NOW });
  }
  await db.$executeRaw`ANALYZE "Customer", "Order", "CustomerScore", "Membership"`;

  const figures: ComputeScaleFigure[] = [];
  for (const customers of sizes) {
    const domain = `compute-scale-${customers}.myshopify.com`;
    await db.shop.deleteMany({ where: { domain } });
    let started = performance.now();
    const shop = await seedSyntheticShop(domain, customers, NOW);
    const seedS = round(performance.now() - started);

    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const run = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", trigger: "bench" } });
    started = performance.now();
    const result = await computeShop(db, shop.shopId, run.id, NOW);
    const totalMs = performance.now() - started;
    clearInterval(sampler);
    const rerunRun = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", trigger: "bench" } });
    started = performance.now();
    const rerun = await computeShop(db, shop.shopId, rerunRun.id, NOW);
    const rerunMs = performance.now() - started;
    const rows = (r: typeof result) =>
      r.written.scores.inserted +
      r.written.scores.updated +
      r.written.scores.deleted +
      r.written.memberships.inserted +
      r.written.memberships.updated +
      r.written.memberships.deleted;
    figures.push({
      customers: result.customers,
      orders: result.orders,
      seedS,
      loadS: round(result.phaseMs.load),
      checkS: round(result.phaseMs.check),
      engineS: round(result.phaseMs.engine),
      scoresS: round(result.phaseMs.scores),
      membershipsS: round(result.phaseMs.memberships),
      snapshotsS: round(result.phaseMs.snapshots),
      totalS: round(totalMs),
      usPerCustomer: Math.round((totalMs * 1000) / result.customers),
      rowsWritten: rows(result),
      rerunS: round(rerunMs),
      rerunRowsWritten: rows(rerun),
      peakRssMB: Math.round(peakRss / 1024 / 1024),
      loadAverage: loadavg()
        .map((l) => l.toFixed(1))
        .join(" "),
    });
    process.stderr.write(`${JSON.stringify(figures[figures.length - 1])}\n`);
    await db.shop.delete({ where: { id: shop.shopId } });
  }
  await db.$disconnect();
  return figures;
}
