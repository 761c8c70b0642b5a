import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// Reinstall after a gap: while the app was uninstalled Shopify sent it no webhooks, so the
// orders created, updated and refunded meanwhile must be fetched by the reinstall itself.

let env: EmulatedApp;
let shopId: number;

const finishedSync = (after: bigint) =>
  waitFor(
    async () => {
      const run = await db.run.findFirst({
        where: { shopId, kind: "SYNC", id: { gt: after } },
        orderBy: { id: "desc" },
      });
      return run && (run.status === "SUCCEEDED" || run.status === "FAILED") ? run : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: "a sync run to finish" },
  );

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 300, plan: "plus" });
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  const first = await finishedSync(0n);
  expect(first.status).toBe("SUCCEEDED");
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("reinstall after a gap", () => {
  it("catches up by itself on orders created, updated and refunded while the app was uninstalled", async () => {
    const store = env.emu.shop(env.shop);
    const firstSync = await db.run.findFirstOrThrow({ where: { shopId, kind: "SYNC" }, orderBy: { id: "desc" } });
    env.emu.uninstall(env.shop);
    await waitFor(async () => (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).uninstalledAt, {
      what: "app/uninstalled to be applied",
    });
    // The worker deleted the sessions; the web side's session cache (2 s) may still hold one.
    await new Promise((resolve) => setTimeout(resolve, 2_100));

    // The gap: Shopify announces none of this to an uninstalled app.
    const buyers = [...store.customers()].filter((c) => c.orders.length > 0);
    const created = store.createOrder({
      customerId: buyers[0].record.id,
      lineItems: [{ productIndex: 3, quantity: 2 }],
    });
    const createdThenRefunded = store.createOrder({ customerId: buyers[1].record.id });
    store.refundOrder(createdThenRefunded.id, { amountCents: 500 });
    const updated = buyers[2].orders[0];
    store.updateOrder(updated.id, { processedAt: updated.processedAt + 86_400_000 });
    const retyped = store.updateProduct(store.products()[5].id, { productType: "Retyped in the gap" });
    const refunded = buyers[3].orders[0];
    store.refundOrder(refunded.id, { amountCents: 1_234 });
    await env.emu.idle();
    expect(
      await db.order.count({
        where: { shopId, shopifyId: { in: [BigInt(created.id), BigInt(createdThenRefunded.id)] } },
      }),
    ).toBe(0);

    // Reinstall: open the app again (token exchange → afterAuth), nothing else.
    env.emu.install(env.shop);
    await env.install();
    const catchUp = await finishedSync(firstSync.id);
    expect({ status: catchUp.status, error: catchUp.error, trigger: catchUp.trigger }).toEqual({
      status: "SUCCEEDED",
      error: null,
      trigger: "reinstall",
    });

    for (const id of [created.id, createdThenRefunded.id, updated.id, refunded.id]) {
      const want = store.order(id)!;
      const got = await db.order.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: BigInt(id) } } });
      const refundedCents = want.refunds.reduce((sum, r) => sum + r.amountCents, 0);
      expect({
        id,
        processedAt: got.processedAt.getTime(),
        refunded: Math.round(Number(got.totalRefunded) * 100),
        items: (got.lineItems as unknown[]).length,
      }).toEqual({
        id,
        processedAt: want.processedAt,
        refunded: refundedCents,
        items: want.lineItems.length,
      });
    }
    // Incremental: only what changed since the last synced updated_at, not the whole shop again.
    const [productsOp, collectionsOp, customersOp, ordersOp] = [...store.bulkOperations.values()].slice(-4);
    expect(productsOp.query).toMatch(/products\(query: "updated_at:>='[^']+'"\)/);
    // Collections in full: a full listing is the only way to see memberships that went away.
    expect(collectionsOp.query).toMatch(/^\s*\{\s*collections \{/);
    expect(customersOp.query).toMatch(/customers\(query: "updated_at:>='[^']+'"\)/);
    expect(ordersOp.query).toMatch(/orders\(query: "updated_at:>='[^']+'"\)/);
    const total = [...store.orders()].length;
    expect(ordersOp.rootObjectCount).toBeGreaterThanOrEqual(4);
    expect(ordersOp.rootObjectCount).toBeLessThan(total / 10);
    expect((catchUp.counts as { since?: string }).since).toEqual(expect.any(String));
    // Products too: only the one retyped in the gap is exported again.
    expect(productsOp.rootObjectCount).toBe(1);
    const product = await db.product.findUniqueOrThrow({
      where: { shopId_shopifyId: { shopId, shopifyId: BigInt(retyped.id) } },
    });
    expect(product.productType).toBe("Retyped in the gap");
  }, 120_000);
});
