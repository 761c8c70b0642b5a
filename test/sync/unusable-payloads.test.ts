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
      const stored = await db.webhookEvent.findUniqueOrThrow({ where: { id: row.id } });
      expect(stored.processedAt).not.toBeNull();
      expect(stored.attempts).toBe(1);
      expect(stored.error).toMatch(/not a JSON object/);
    }
    // The sweeper never queues them again, however old they are.
    await db.webhookEvent.updateMany({ where: { shopDomain: shop }, data: { receivedAt: new Date(Date.now() - 3_600_000) } });
    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop } });
    for (const row of rows) await (await queues().get("ingest").getJob(ingestJobId(row.id)))?.remove();
    await sweepInbox(db, queues(), 0);
    for (const row of rows) expect(await queues().get("ingest").getJob(ingestJobId(row.id))).toBeUndefined();
  });
});
