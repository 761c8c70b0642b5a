import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { action } from "~/routes/webhooks.$";
import { applyWebhookEvent } from "~/sync/apply-event.server";
import { ingestJobId, sweepInbox } from "~/sync/inbox.server";
import { uniqueShopDomain } from "../helpers/shops";
import { signedWebhookRequest } from "../helpers/webhooks";

// Correctly signed deliveries whose payload can never be applied: each is stored, recorded once
// with its error, and never retried (neither by the job nor by the sweeper).

const callAction = (request: Request) => action({ request, params: {}, context: {} });

afterAll(async () => {
  await queues().close();
});

async function deliver(shop: string, topic: string, body: string) {
  const response = await callAction(signedWebhookRequest({ shop, topic, payload: undefined, body }));
  const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop }, orderBy: { id: "desc" }, take: 1 });
  return { status: response.status, row: rows[0] };
}

describe("payloads that cannot be applied", () => {
  it("records a null, array, string or number payload once as a permanent error; no retry, no sweep", async () => {
    const shop = uniqueShopDomain("unusable");
    await db.shop.create({ data: { domain: shop } });
    const deps = { db, queues: queues(), onCustomerChanged: async () => {} };
    for (const [topic, body] of [
      ["orders/create", "null"],
      ["orders/updated", "[]"],
      ["refunds/create", '"text"'],
      ["customers/update", "42"],
      ["customers/redact", "null"],
    ]) {
      const { status, row } = await deliver(shop, topic, body);
      expect(status).toBe(200);
      expect(await applyWebhookEvent(deps, row.id)).toBe("skipped");
      expect(await applyWebhookEvent(deps, row.id)).toBe("already-processed");
      const stored = await db.webhookEvent.findUniqueOrThrow({
        where: { shopDomain_id: { shopDomain: row.shopDomain, id: row.id } },
      });
      expect(stored.processedAt).not.toBeNull();
      expect(stored.attempts).toBe(1);
      expect(stored.error).toMatch(/not a JSON object/);
    }
    // The sweeper never queues them again, however old they are.
    await db.webhookEvent.updateMany({
      where: { shopDomain: shop },
      data: { receivedAt: new Date(Date.now() - 3_600_000) },
    });
    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop } });
    for (const row of rows) await (await queues().get("ingest").getJob(ingestJobId(row.id)))?.remove();
    await sweepInbox(db, queues(), 0);
    for (const row of rows) expect(await queues().get("ingest").getJob(ingestJobId(row.id))).toBeUndefined();
  });

  it("records an order with a negative amount as a permanent error and stores no order", async () => {
    const shop = uniqueShopDomain("negative");
    const { id: shopId } = await db.shop.create({ data: { domain: shop } });
    const deps = { db, queues: queues(), onCustomerChanged: async () => {} };
    const order = (id: number, fields: Record<string, unknown>) => ({
      id,
      created_at: "2026-10-30T10:00:00Z",
      updated_at: "2026-10-30T10:00:00Z",
      currency: "USD",
      total_price: "50.00",
      line_items: [{ id: id * 10, product_id: 7, quantity: 1, price: "50.00" }],
      ...fields,
    });
    const cases = [
      order(9001, { total_price: "-50.00" }),
      order(9002, { total_price: undefined, total_price_set: { shop_money: { amount: "-50.00" } } }),
      order(9003, { subtotal_price: "-5.00" }),
      order(9004, { line_items: [{ id: 90040, product_id: 7, quantity: 1, price: "-50.00" }] }),
      order(9005, { refunds: [{ id: 1, transactions: [{ kind: "refund", status: "success", amount: "-20.00" }] }] }),
    ];
    for (const payload of cases) {
      const { status, row } = await deliver(shop, "orders/create", JSON.stringify(payload));
      expect(status).toBe(200);
      expect(await applyWebhookEvent(deps, row.id)).toBe("skipped");
      const stored = await db.webhookEvent.findUniqueOrThrow({
        where: { shopDomain_id: { shopDomain: row.shopDomain, id: row.id } },
      });
      expect(stored.processedAt).not.toBeNull();
      expect(stored.error).toMatch(/is negative: "-\d+\.00"/);
    }
    expect(await db.order.count({ where: { shopId } })).toBe(0);
    // The same order with Shopify's real (non-negative) amounts is stored.
    const { row } = await deliver(shop, "orders/create", JSON.stringify(order(9006, {})));
    expect(await applyWebhookEvent(deps, row.id)).toBe("applied");
    expect(Number((await db.order.findFirstOrThrow({ where: { shopId } })).totalPrice)).toBe(50);
  });
});
