import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { orderRetentionCutoff } from "~/settings";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// A back-fill (or a resync) does not store orders the shop's order retention would delete: what
// retention deleted does not come back with the next resync. The cutoff follows the system clock,
// so the assertions bound it by the instants before and after the sync, true on any date.

let env: EmulatedApp;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 60 });
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("back-fill under an order retention", () => {
  it("stores only the orders placed within the last N years, and counts the others", async () => {
    // The merchant's setting exists before the back-fill: installing keeps the Shop row's settings.
    const shop = await db.shop.create({ data: { domain: env.shop, settings: { orderRetentionYears: 1 } } });
    const before = new Date();
    env.startWorkers();
    await env.install();
    const run = await waitFor(
      async () => {
        const r = await db.run.findFirst({ where: { shopId: shop.id, kind: "SYNC" } });
        return r && (r.status === "SUCCEEDED" || r.status === "FAILED") ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: "the sync run to finish" },
    );
    const after = new Date();
    expect(run.status).toBe("SUCCEEDED");

    const shopify = [...env.emu.shop(env.shop).orders()].map((o) => o.order);
    const stored = await db.order.findMany({
      where: { shopId: shop.id },
      select: { shopifyId: true, processedAt: true },
    });
    const storedIds = new Set(stored.map((o) => o.shopifyId.toString()));
    // Nothing older than the earliest possible cutoff is stored…
    const earliest = orderRetentionCutoff(before, 1);
    for (const order of stored) expect(order.processedAt.getTime()).toBeGreaterThanOrEqual(earliest.getTime());
    // …and everything newer than the latest possible cutoff is.
    const latest = orderRetentionCutoff(after, 1).getTime();
    const recent = shopify.filter((o) => o.processedAt >= latest);
    for (const order of recent) expect(storedIds.has(String(order.id))).toBe(true);
    const counts = run.counts as { orders: number; ordersPastRetention: number };
    expect(counts.ordersPastRetention).toBeGreaterThan(0);
    expect(counts.orders).toBe(stored.length);
    expect(counts.orders + counts.ordersPastRetention).toBe(shopify.length);
  });
});
