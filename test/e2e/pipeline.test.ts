import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { appTag } from "~/push/tag-diff.server";
import { shopSettings } from "~/settings";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";
import { expectShopifyMatchesDatabase, tagsByCustomer } from "../push/fixtures";

// The whole product on one emulated shop, with nothing stubbed: install → back-fill → compute
// → push, then a new order moves its customer and Shopify's tags follow within the debounce window.

let env: EmulatedApp;
let shopId: number;
let merchantTags: Map<number, string[]>;

const latestRun = (kind: "SYNC" | "COMPUTE" | "PUSH") => db.run.findFirst({ where: { shopId, kind }, orderBy: { id: "desc" } });

beforeAll(async () => {
  process.env.SCORE_DEBOUNCE_MS = "500";
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
        const score = await db.customerScore.findUnique({ where: { customerId: target.customerId } });
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
