// Back-fill throughput: install the app into an emulated shop and time the sync run
// (bulk export in the emulator, streamed JSONL, batched upserts into PostgreSQL), then time a
// full compute of the same shop.
import { prepareBenchDatabase } from "./env";

export interface BackfillFigures {
  customers: number;
  orders: number;
  lineItems: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMB: number;
  /** Full compute of the back-filled shop (engine + writing scores, memberships, snapshots). */
  computeSeconds: number;
  computeEngineSeconds: number;
  memberships: number;
}

export async function benchBackfill(customers = 340_000): Promise<BackfillFigures> {
  await prepareBenchDatabase();
  const { default: db } = await import("~/db.server");
  const { queues } = await import("~/queues.server");
  const { startEmulatedApp } = await import("../helpers/emulated-app");
  const { waitFor } = await import("../helpers/shops");

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const env = await startEmulatedApp({ customers, plan: "plus" });
  try {
    env.startWorkers({}, ["sync"]);
    const started = performance.now();
    await env.install();
    const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
    const run = await waitFor(
      async () => {
        const r = await db.run.findFirst({
          where: { shopId: shop.id, kind: "SYNC", status: { in: ["SUCCEEDED", "FAILED"] } },
        });
        return r ?? undefined;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 500, what: "the back-fill" },
    );
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== "SUCCEEDED") throw new Error(`back-fill failed: ${run.error}`);
    const counts = run.counts as { customers: number; orders: number; lineItems: number };

    const { computeShop } = await import("~/compute/compute-shop.server");
    const computeRun = await db.run.create({ data: { shopId: shop.id, kind: "COMPUTE", trigger: "bench" } });
    const computeStarted = performance.now();
    const computed = await computeShop(db, shop.id, computeRun.id);
    const computeSeconds = (performance.now() - computeStarted) / 1000;
    const engineMs = computed.timings.reduce((sum, t) => sum + t.ms, 0);
    await db.shop.delete({ where: { id: shop.id } });
    return {
      customers: counts.customers,
      orders: counts.orders,
      lineItems: counts.lineItems,
      seconds: Math.round(seconds * 10) / 10,
      rowsPerSecond: Math.round((counts.customers + counts.orders + counts.lineItems) / seconds),
      peakRssMB: Math.round(peakRss / 1024 / 1024),
      computeSeconds: Math.round(computeSeconds * 10) / 10,
      computeEngineSeconds: Math.round(engineMs / 100) / 10,
      memberships: computed.memberships,
    };
  } finally {
    clearInterval(sampler);
    await env.close();
    await queues().close();
    await db.$disconnect();
  }
}
