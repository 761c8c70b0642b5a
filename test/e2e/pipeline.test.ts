import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { appTag } from "~/push/tag-diff.server";
import { shopSettings } from "~/settings";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";
import { expectShopifyMatchesDatabase, tagsByCustomer } from "../push/fixtures";
import { recountWindow } from "../helpers/recount-window";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { loader as overviewLoader } from "~/routes/app._index";
import { loader as segmentLoader } from "~/routes/app.segments.$key";
import type { StoredPredictionCheck } from "~/compute/prediction-check.server";

// Hoisted above the imports: the app reads its environment once, when ~/db.server loads.
vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "500";
});

// The whole product on one emulated shop, with nothing stubbed: install → back-fill → compute
// → push, then a new order moves its customer and Shopify's tags follow within the debounce window.

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

const latestRun = (kind: "SYNC" | "COMPUTE" | "PUSH") =>
  db.run.findFirst({ where: { shopId, kind }, orderBy: { id: "desc" } });

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 1_000, plan: "plus" });
  merchantTags = tagsByCustomer(env);
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await waitFor(
    async () => {
      const push = await latestRun("PUSH");
      return push && (push.status === "SUCCEEDED" || push.status === "FAILED") ? push : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: "back-fill, compute and push" },
  );
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("install → back-fill → compute → push", () => {
  it("leaves Shopify carrying exactly the segments the database computed", async () => {
    for (const kind of ["SYNC", "COMPUTE", "PUSH"] as const) {
      const run = await latestRun(kind);
      expect({ kind, status: run?.status, error: run?.error }).toEqual({ kind, status: "SUCCEEDED", error: null });
    }
    expect(await db.membership.count({ where: { shopId } })).toBeGreaterThan(1_000);
    await expectShopifyMatchesDatabase(env, shopId, merchantTags);

    // Scores as app metafields, for Liquid and Flow.
    const score = await db.customerScore.findFirstOrThrow({ where: { shopId }, include: { customer: true } });
    const fields = env.emu.shop(env.shop).metafields.get(Number(score.customer.shopifyId));
    expect(fields?.size).toBeGreaterThan(0);
    const values = new Map([...(fields?.values() ?? [])].map((f) => [f.key, f.value]));
    expect(values.get("rfm_segment")).toBe(score.rfmSegment);
    expect(values.get("rfm")).toBe(`${score.r}${score.f}${score.m}`);

    // Two years of a healthy shop pass the prediction check: churn risk and scores go to Shopify too.
    const compute = await latestRun("COMPUTE");
    const check = await db.predictionCheck.findUniqueOrThrow({
      where: { shopId_runId: { shopId, runId: compute!.id } },
    });
    expect(check.sufficient).toBe(true);
    expect(values.get("p_alive")).toBe(score.pAlive!.toFixed(4));
    const store = env.emu.shop(env.shop);
    const high = await db.membership.count({ where: { shopId, segmentKey: "churn-risk-high", control: false } });
    expect(high).toBeGreaterThan(0);
    expect([...store.customers()].filter(({ record }) => record.tags.includes("seg:churn-risk-high")).length).toBe(
      high,
    );
    expect([...store.segments.values()].filter((s) => s.query.includes("seg:churn-risk-")).length).toBe(3);
  });

  it("the overview tells last quarter's forecast against the orders placed; the segment page the label's record", async () => {
    const { asOf, result } = await db.predictionCheck.findFirstOrThrow({ where: { shopId }, orderBy: { id: "desc" } });
    const check = result as unknown as StoredPredictionCheck;
    const recount = await recountWindow(shopId, asOf, 90);
    const predicted = check.models.find((m) => m.name === check.choice.chosen)!.metrics!.predictedTotal;

    const overview = await call<Awaited<ReturnType<typeof overviewLoader>>>(overviewLoader, "/app");
    const quality = overview.predictions!;
    expect(quality).toMatchObject({
      sufficient: true,
      missing: [],
      startSentence: null,
      withheldSentence: null,
      actualOrders: recount.repeatPurchases,
    });
    expect(quality.outcomeSentence).toBe(
      `Last quarter we expected ${Math.round(predicted).toLocaleString("en-US")} orders from existing customers; they placed ${recount.repeatPurchases.toLocaleString("en-US")}.`,
    );
    expect(quality.accuracySentence).toMatch(
      /^Customer by customer, the predictions matched who bought and how often (closely|fairly well|loosely|barely) \(correlation 0\.\d\d, where 1 is perfect\)\.$/,
    );
    // The model named is the one the check chose (on this shop BG/NBD or a variant of it).
    const chosenLabel = check.models.find((m) => m.name === check.choice.chosen)!.label;
    expect(quality.modelSentence).toMatch(
      /(^We use |In the backtest, ).+: on average it was off by \d\.\d\d orders per customer, against \d\.\d\d for (each customer simply repeating their own past pace|everyone buying at the shop's average pace)\.$/,
    );
    // A choice the live scores cannot follow yet (the learned trees) is said first.
    const follows = check.live?.follows !== false;
    expect(
      quality.modelSentence.includes(follows ? `We use ${chosenLabel}: ` : `In the backtest, ${chosenLabel}: `),
    ).toBe(true);
    // The live fit's warnings, each as a sentence.
    const asSentence = (m: string) => (m.charAt(0).toUpperCase() + m.slice(1)).replace(/([^.])$/, "$1.");
    expect(quality.warnings).toEqual(check.fitWarnings.map((w) => asSentence(w.message)));

    const page = await call<Awaited<ReturnType<typeof segmentLoader>>>(segmentLoader, "/app/segments/churn-risk-high", {
      key: "churn-risk-high",
    });
    const cutoff = check.cutoffs.labels.find((l) => l.key === "churn-risk-high")!;
    expect(page.prediction.withheld).toBe(false);
    expect(page.prediction.labelSentence).toBe(
      `In the last 90 days, ${Math.round(cutoff.repurchaseRate! * 100)} % of the ${cutoff.members.toLocaleString("en-US")} customers we would have labelled High churn risk bought again.`,
    );
    expect(page.prediction.cutoffSentence).toMatch(
      cutoff.measured
        ? /is measured on this shop's history: churn risk 0\.\d\d and above/
        : /uses the fixed default cut-off \(churn risk 0\.75 and above\)/,
    );
  });

  it("moves a customer's tags in Shopify after a new order, within the debounce window", async () => {
    const settings = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings);
    const target = await db.customerScore.findFirstOrThrow({
      where: { shopId, orderCount: 1, recencyDays: { gt: 200 } },
      include: { customer: true },
    });
    const id = Number(target.customer.shopifyId);
    const store = env.emu.shop(env.shop);
    const oldTag = appTag(settings, target.rfmSegment, false);
    expect(store.customer(id)?.record.tags).toContain(oldTag);

    store.createOrder({ customerId: id, lineItems: [{ productIndex: 30, quantity: 3 }] });
    const rescored = await waitFor(
      async () => {
        const score = await db.customerScore.findUnique({
          where: { shopId_customerId: { shopId: target.shopId, customerId: target.customerId } },
        });
        return score && score.orderCount === 2 ? score : undefined;
      },
      { timeoutMs: 30_000, what: "the re-score" },
    );
    expect(rescored.rfmSegment).not.toBe(target.rfmSegment);
    const newTag = appTag(settings, rescored.rfmSegment, false);
    const tags = await waitFor(
      async () => {
        const now = store.customer(id)?.record.tags ?? [];
        return now.includes(newTag) && !now.includes(oldTag) ? now : undefined;
      },
      { timeoutMs: 30_000, what: `Shopify's tags to move from ${oldTag} to ${newTag}` },
    );
    expect(tags.filter((t) => !t.startsWith(settings.tagPrefix) && !t.startsWith(settings.controlTagPrefix))).toEqual(
      merchantTags.get(id) ?? [],
    );
  });
});
