import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { action } from "~/routes/webhooks.$";
import { ingestJobId, storeWebhooks } from "~/sync/inbox.server";
import type { Db } from "~/db.server";
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
    expect(job?.data).toEqual({ webhookEventId: rows[0].id.toString(), shopDomain: shop });
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

  it("isolates poisoned deliveries in a burst: every valid one is stored and answered 200", async () => {
    const shop = uniqueShopDomain("poison");
    const valid = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: 1000 + i, note: `order ${i}` }));
    // All correctly signed; each one alone would make its whole INSERT batch fail.
    const poisoned = [
      String.raw`{"id": 2001, "note": "nul \u0000 in a note"}`, // PostgreSQL 22P05
      String.raw`{"id": 2002, "note": "lone surrogate \ud800"}`, // PostgreSQL 22P05 too
      `{"id": 2003, "deep": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`, // RangeError in JSON.stringify
    ];
    const bodies = [
      ...valid.slice(0, 10),
      poisoned[0],
      ...valid.slice(10, 25),
      poisoned[1],
      ...valid.slice(25),
      poisoned[2],
    ];
    const statuses = await Promise.all(
      bodies.map((body, i) =>
        callAction(
          signedWebhookRequest({ shop, topic: "orders/create", payload: undefined, body, eventId: `evt-${i}` }),
        ).then(
          (r) => r.status,
          () => 500,
        ),
      ),
    );
    bodies.forEach((body, i) => {
      if (valid.includes(body)) expect({ i, status: statuses[i] }).toEqual({ i, status: 200 });
    });
    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop } });
    const payloadIds = rows.map((r) => (r.payload as { id?: number } | null)?.id).filter(Boolean);
    for (let i = 0; i < valid.length; i++) expect(payloadIds).toContain(1000 + i);
    expect(rows.filter((r) => r.error === null && r.processedAt === null)).toHaveLength(42);

    // NUL and lone surrogates are what PostgreSQL cannot store in JSON: they are kept as U+FFFD
    // and the order is applied like any other. A 5,000-deep array is recorded as an error, once.
    for (const [i, id] of [
      [10, 2001],
      [26, 2002],
    ] as const) {
      expect(statuses[i]).toBe(200);
      const row = rows.find((r) => r.eventKey === `evt-${i}`)!;
      expect(row.payload).toMatchObject({ id });
      expect((row.payload as { note: string }).note).toContain("\ufffd");
    }
    expect(statuses[bodies.length - 1]).toBe(200);
    const deep = rows.find((r) => r.eventKey === `evt-${bodies.length - 1}`)!;
    expect(deep.processedAt).not.toBeNull();
    expect(deep.error).toMatch(/nested deeper than/);
  });

  it("stores the rest of a batch when PostgreSQL refuses one row, and records that row's error", async () => {
    const shop = uniqueShopDomain("refused");
    // A payload that passes our checks but that PostgreSQL refuses (here made so on the way to
    // the database): the batch fails, is retried row by row, and only that row is an error.
    const refusing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== "$queryRaw") return Reflect.get(target, prop, receiver);
        return (strings: TemplateStringsArray, ...values: unknown[]) =>
          target.$queryRaw(
            strings,
            ...values.map((v) =>
              Array.isArray(v)
                ? v.map((x) => (typeof x === "string" && x.includes("refuse-me") ? String.raw`{"a": "\u0000"}` : x))
                : v,
            ),
          );
      },
    }) as Db;
    const hooks = Array.from({ length: 5 }, (_, i) => ({
      shopDomain: shop,
      topic: "ORDERS_CREATE",
      webhookId: `wh-${i}`,
      eventId: `evt-${i}`,
      payload: { id: i + 1, note: i === 2 ? "refuse-me" : "fine" },
    }));
    const ids = await storeWebhooks(refusing, hooks);
    expect(ids.every((id) => typeof id === "bigint")).toBe(true);
    const rows = await db.webhookEvent.findMany({ where: { shopDomain: shop }, orderBy: { eventKey: "asc" } });
    expect(rows.map((r) => r.eventKey)).toEqual(["evt-0", "evt-1", "evt-2", "evt-3", "evt-4"]);
    expect(rows.filter((r) => r.error === null).map((r) => (r.payload as { id: number }).id)).toEqual([1, 2, 4, 5]);
    expect(rows[2]).toMatchObject({ payload: null, error: expect.stringMatching(/22P05/) });
    expect(rows[2].processedAt).not.toBeNull();
    // A redelivery of the refused one is a duplicate, not a second error row.
    expect(await storeWebhooks(refusing, [hooks[2]])).toEqual([undefined]);
  });

  it("refuses an oversized body with 413 before reading it whole, signed or not", async () => {
    const shop = uniqueShopDomain("huge");
    const declared = signedWebhookRequest({ shop, topic: "orders/create", payload: undefined, body: "{}" });
    const headers = Object.fromEntries(declared.headers);
    const size = 54 * 1024 * 1024;
    let pulled = 0;
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const body = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id": 1, "note": "'));
        },
        pull(controller) {
          pulled += chunk.length;
          if (pulled > size) controller.close();
          else controller.enqueue(chunk);
        },
      });
    const post = (extra: Record<string, string>) =>
      callAction(
        new Request(declared.url, {
          method: "POST",
          headers: { ...headers, ...extra },
          body: body(),
          duplex: "half",
        } as RequestInit),
      );

    // Declared length over the limit: refused without reading the body.
    expect((await post({ "content-length": String(size) })).status).toBe(413);
    expect(pulled).toBe(0);
    // No length (chunked): counted while streaming; the rest of the 54 MB is never pulled.
    expect((await post({})).status).toBe(413);
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(5 * 1024 * 1024 + 2 * chunk.length);
    expect(await db.webhookEvent.count({ where: { shopDomain: shop } })).toBe(0);

    // A delivery just under the limit is still accepted.
    const fits = JSON.stringify({ id: 2, note: "y".repeat(4 * 1024 * 1024) });
    expect(
      (await callAction(signedWebhookRequest({ shop, topic: "orders/create", payload: undefined, body: fits }))).status,
    ).toBe(200);
  });
});
