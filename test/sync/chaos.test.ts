import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { sweepInbox } from "~/sync/inbox.server";
import { orderCurrentTotalCents, orderRefundedCents, orderTotalCents, type OrderRecord } from "../shopify-emulator";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// Hoisted above the imports: the app reads its environment once, when ~/db.server loads.
vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "600000"; // keep re-scoring out of this test
});

// 2,000 order events delivered shuffled, with duplicates, while the ingest workers restart and
// Redis loses its queued jobs; the database must end up exactly where Shopify is.

let env: EmulatedApp;
let shopId: number;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 300, plan: "plus" });
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await waitFor(() => db.run.findFirst({ where: { shopId, kind: "SYNC", status: "SUCCEEDED" } }), {
    timeoutMs: 60_000,
    what: "the back-fill",
  });
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

function* lcg(seed: number) {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    yield s / 2 ** 31;
  }
}

describe("webhook chaos", () => {
  it("converges to Shopify's state despite duplicates, shuffling, worker restarts and a Redis wipe", async () => {
    const store = env.emu.shop(env.shop);
    const customers = [...store.customers()].map((c) => c.record.id);
    const live: number[] = [...store.orders()].map((o) => o.order.id).slice(-200);
    const random = lcg(7);
    const pick = <T>(list: T[]) => list[Math.floor(random.next().value! * list.length)];

    env.emu.webhooks.hold();
    env.emu.faults.webhooks.duplicateRate = 0.25;
    // Shopify retries a failed delivery 8 times over 4 hours; compressed here.
    env.emu.faults.webhooks.maxAttempts = 8;
    env.emu.faults.webhooks.retryBaseMs = 100;
    let announced = 0;
    while (announced < 2_000) {
      const roll = random.next().value!;
      const orderId = pick(live);
      if (roll < 0.4 || live.length < 20) {
        live.push(
          store.createOrder({
            customerId: pick(customers),
            lineItems: [{ productIndex: Math.floor(roll * 40), quantity: 2 }],
          }).id,
        );
        announced += 1;
      } else if (roll < 0.6) {
        store.updateOrder(orderId, { tags: [`t${announced}`] });
        announced += 1;
      } else if (roll < 0.8) {
        const order = store.order(orderId) as OrderRecord;
        if (orderRefundedCents(order) >= orderTotalCents(order) || order.cancelledAt) continue;
        store.refundOrder(orderId, { amountCents: 500 });
        announced += 2;
      } else if (roll < 0.93) {
        if ((store.order(orderId) as OrderRecord).cancelledAt) continue;
        store.cancelOrder(orderId);
        announced += 2;
      } else {
        store.deleteOrder(orderId);
        live.splice(live.indexOf(orderId), 1);
        announced += 1;
      }
    }

    // Deliver everything shuffled; meanwhile restart the workers and wipe Redis's ingest queue
    // (our Redis keeps nothing on disk, so a restart loses queued jobs).
    const release = env.emu.webhooks.release({ shuffle: true });
    const pools = [env.startWorkers()];
    await new Promise((r) => setTimeout(r, 300));
    await pools[0].close();
    await release;
    await env.emu.idle();
    await queues().get("ingest").obliterate({ force: true });
    // The sweeper finds the stored-but-unapplied rows and queues them again.
    expect(await sweepInbox(db, queues(), 0)).toBeGreaterThan(0);
    env.startWorkers();

    await waitFor(
      async () => (await db.webhookEvent.count({ where: { shopDomain: env.shop, processedAt: null } })) === 0,
      { timeoutMs: 90_000, intervalMs: 250, what: "every stored webhook to be applied" },
    );
    const failed = await db.webhookEvent.findMany({
      where: { shopDomain: env.shop, NOT: { error: null } },
      select: { error: true },
    });
    expect(failed.filter((f) => !/will retry/.test(f.error ?? ""))).toEqual([]);
    const duplicates = env.emu.webhooks.log.filter((entry) => entry.duplicate).length;
    expect(duplicates).toBeGreaterThan(100);

    // Every order Shopify has is in the database with Shopify's figures; deleted ones are tombstoned.
    const rows = await db.order.findMany({ where: { shopId } });
    const byId = new Map(rows.map((r) => [Number(r.shopifyId), r]));
    let compared = 0;
    for (const { order } of store.orders()) {
      const row = byId.get(order.id);
      expect(row, `order ${order.id}`).toBeDefined();
      expect(row!.deletedAt).toBeNull();
      expect(Math.round(Number(row!.totalPrice) * 100)).toBe(orderTotalCents(order));
      // Refunds arrive in the presentment currency and are converted at the order's rate: ±1 cent per refund.
      const refundedCents = Math.round(Number(row!.totalRefunded) * 100);
      expect(Math.abs(refundedCents - orderRefundedCents(order))).toBeLessThanOrEqual(order.refunds.length);
      const netCents = Math.max(0, Math.round(Number(row!.totalPrice) * 100) - refundedCents);
      expect(Math.abs(netCents - orderCurrentTotalCents(order))).toBeLessThanOrEqual(order.refunds.length);
      expect(row!.cancelledAt !== null).toBe(order.cancelledAt !== null);
      expect(row!.customerShopifyId === null ? null : Number(row!.customerShopifyId)).toBe(order.customerId);
      compared++;
      byId.delete(order.id);
    }
    expect(compared).toBeGreaterThan(1_000);
    // Whatever is left in the database was deleted in Shopify.
    for (const leftover of byId.values()) expect(leftover.deletedAt, `order ${leftover.shopifyId}`).not.toBeNull();
  });
});
