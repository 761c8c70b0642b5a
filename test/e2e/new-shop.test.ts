import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { loader as overviewLoader } from "~/routes/app._index";
import { loader as segmentLoader } from "~/routes/app.segments.$key";
import { utcOffsetMinutes } from "~/compute/load-transactions.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";
import { expectShopifyMatchesDatabase, tagsByCustomer } from "../push/fixtures";

// A shop one month old, through the whole product: install → back-fill → compute → push. Its
// history cannot carry predictions yet, so Shopify gets its RFM, lifecycle and cluster segments
// but no churn-risk segments or score metafields, and the admin says what is missing and when
// predictions start.

let env: EmulatedApp;
let shopId: number;
let merchantTags: Map<number, string[]>;

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;
async function call<T>(handler: Handler, path: string, params: Record<string, string> = {}): Promise<T> {
  const request = await setUpValidRequest(
    {
      type: RequestType.Bearer,
      store: env.shop.replace(".myshopify.com", ""),
      apiKey: process.env.SHOPIFY_API_KEY!,
      apiSecretKey: process.env.SHOPIFY_API_SECRET!,
    },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`),
  );
  return (await handler({ request, params, context: {} })) as T;
}

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 400, years: 1 / 12, plan: "advanced" });
  merchantTags = tagsByCustomer(env);
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await waitFor(
    async () => {
      const push = await db.run.findFirst({ where: { shopId, kind: "PUSH" }, orderBy: { id: "desc" } });
      return push && (push.status === "SUCCEEDED" || push.status === "FAILED") ? push : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: "back-fill, compute and push" },
  );
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("a one-month-old shop", () => {
  it("is found insufficient; Shopify gets no churn-risk segments or score metafields, the other segments as usual", async () => {
    const compute = await db.run.findFirstOrThrow({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "desc" } });
    expect(compute.status).toBe("SUCCEEDED");
    const check = await db.predictionCheck.findUniqueOrThrow({
      where: { shopId_runId: { shopId, runId: compute.id } },
    });
    expect(check.sufficient).toBe(false);

    // The members are computed all the same (the admin shows them).
    expect(await db.membership.count({ where: { shopId, segmentKey: { startsWith: "churn-risk-" } } })).toBe(
      await db.customerScore.count({ where: { shopId } }),
    );

    const store = env.emu.shop(env.shop);
    const ns = env.emu.appNamespace;
    let rfmTagged = 0;
    for (const { record } of store.customers()) {
      expect(record.tags.filter((t) => t.startsWith("seg:churn-risk-"))).toEqual([]);
      if (record.tags.some((t) => t.startsWith("seg:rfm-"))) rfmTagged++;
      const fields = store.customerMetafields(record.id);
      for (const key of ["p_alive", "clv", "next_order_at"]) expect(fields.has(`${ns}.${key}`), key).toBe(false);
    }
    expect(rfmTagged).toBe(await db.customerScore.count({ where: { shopId } }));
    expect([...store.segments.values()].filter((s) => s.query.includes("seg:churn-risk-"))).toEqual([]);
    expect([...store.segments.values()].filter((s) => s.query.includes("seg:rfm-")).length).toBeGreaterThan(0);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);
  });

  it("the overview and the segment page say what is missing and when predictions start", async () => {
    // The first order day in the shop's time zone, from the orders: predictions need 180 days from it.
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const { asOf } = await db.predictionCheck.findFirstOrThrow({ where: { shopId }, orderBy: { id: "desc" } });
    const offset = utcOffsetMinutes(shop.timezone, asOf);
    const [{ first }] = await db.$queryRaw<{ first: Date }[]>`
      SELECT min((o."processedAt" + ${offset} * interval '1 minute')::date)::timestamp AS first
      FROM "Order" o JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
      WHERE o."shopId" = ${shopId} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL`;
    const startsOn = new Date(first.getTime() + 179 * 86_400_000);
    const startsOnIso = startsOn.toISOString().slice(0, 10);
    const longDate = startsOn.toLocaleDateString("en-US", {
      year: "numeric",
      month: "long",
      day: "numeric",
      timeZone: "UTC",
    });

    const overview = await call<Awaited<ReturnType<typeof overviewLoader>>>(overviewLoader, "/app");
    const quality = overview.predictions!;
    expect(quality.sufficient).toBe(false);
    expect(quality.startsOn).toBe(startsOnIso);
    expect(quality.startSentence).toContain(`Predictions start around ${longDate}, once the history covers 180 days`);
    expect(quality.missing[0]).toMatch(
      /^History covers \d+ days; predictions need about 180 days \(two 90-day horizons\)/,
    );
    expect(quality.withheldSentence).toMatch(
      /churn-risk segments and the P\(alive\), CLV and next-order metafields are not sent to Shopify/,
    );

    const page = await call<Awaited<ReturnType<typeof segmentLoader>>>(segmentLoader, "/app/segments/churn-risk-high", {
      key: "churn-risk-high",
    });
    expect(page.prediction.withheld).toBe(true);
    expect(page.prediction.missing).toEqual(quality.missing);
    expect(page.prediction.startSentence).toBe(quality.startSentence);
    expect(page.prediction.cutoffSentence).toMatch(
      /^“High churn risk” uses the fixed default cut-off \(churn risk 0\.75 and above\): not enough data yet to measure one\.$/,
    );

    // RFM segments are not held back.
    const rfm = await call<Awaited<ReturnType<typeof segmentLoader>>>(segmentLoader, "/app/segments/rfm-champions", {
      key: "rfm-champions",
    });
    expect(rfm.prediction.withheld).toBe(false);
  });
});
