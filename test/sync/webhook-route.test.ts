import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { action } from "~/routes/webhooks.$";
import { ingestJobId } from "~/sync/inbox.server";
import { uniqueShopDomain } from "../helpers/shops";
import { signedWebhookRequest } from "../helpers/webhooks";

const callAction = (request: Request) => action({ request, params: {}, context: {} });

afterAll(async () => {
  await queues().close();
});

describe("webhook route", () => {
  it("stores a verified delivery in the inbox and queues it once, even when delivered twice", async () => {
    const shop = uniqueShopDomain();
    const eventId = randomUUID();
    const payload = { id: 820982911946154500, admin_graphql_api_id: "gid://shopify/Order/820982911946154500" };
    const first = await callAction(signedWebhookRequest({ shop, topic: "orders/create", payload, eventId }));
    const again = await callAction(signedWebhookRequest({ shop, topic: "orders/create", payload, eventId }));
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);

    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop } });
    expect(rows).toHaveLength(1);
    expect(rows[0].topic).toBe("ORDERS_CREATE");
    expect(rows[0].eventKey).toBe(eventId);
    expect(rows[0].payload).toEqual(payload);
    const job = await queues().get("ingest").getJob(ingestJobId(rows[0].id));
    expect(job?.data).toEqual({ webhookEventId: rows[0].id.toString() });
  });

  it("rejects a bad HMAC with 401 and stores nothing", async () => {
    const shop = uniqueShopDomain();
    const response = await callAction(
      signedWebhookRequest({ shop, topic: "orders/create", payload: { id: 1 }, secret: "wrong-secret" }),
    );
    expect(response.status).toBe(401);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("answers 401 to a compliance topic with a bad HMAC", async () => {
    const shop = uniqueShopDomain();
    const response = await callAction(
      signedWebhookRequest({ shop, topic: "customers/redact", payload: { shop_domain: shop }, secret: "nope" }),
    );
    expect(response.status).toBe(401);
  });

  it("rejects a correctly signed but malformed body without crashing", async () => {
    const shop = uniqueShopDomain();
    const response = await callAction(
      signedWebhookRequest({ shop, topic: "orders/create", payload: undefined, body: "{not json" }),
    );
    expect(response.status).toBe(400);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);
  });
});
