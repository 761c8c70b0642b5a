import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { loadTransactions } from "~/compute/load-transactions.server";
import { parseSettingsForm, saveSettings } from "~/admin/settings.server";
import { requireShop } from "~/admin/admin-shop.server";
import { shopSettings } from "~/settings";
import type { ShopStore } from "../shopify-emulator";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// Opt-out of profiling on an emulated shop, end to end: customers with the merchant's opt-out
// tag or Shopify's data sale opt-out (`Customer.dataSaleOptOut`) are neither scored nor
// segmented and their orders never reach the engine; a scored, tagged customer who gets the tag
// in Shopify (customers/update, which carries no tags) loses our tags, metafields, score and
// memberships within the re-score debounce, and comes back when the tag goes; changing the tag
// setting re-evaluates who is opted out.

vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "200";
});

const OPT_OUT_TAG = "segments-opt-out";
let env: EmulatedApp;
let store: ShopStore;
let shopId: number;
let tagPrefix: string;
const taggedAtInstall: number[] = [];

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 400, dataSaleOptOutShare: 0.04 });
  store = env.emu.shop(env.shop);
  // Ten customers with orders carry the opt-out tag before the install (any case: Shopify's tags are case-insensitive).
  for (const { record, orders } of store.customers()) {
    if (taggedAtInstall.length === 10) break;
    if (orders.length === 0 || record.dataSaleOptOut) continue;
    const tag = taggedAtInstall.length % 2 ? OPT_OUT_TAG : OPT_OUT_TAG.toUpperCase();
    store.updateCustomer(record.id, { tags: [...record.tags, tag] }, { announce: false });
    taggedAtInstall.push(record.id);
  }
  env.startWorkers();
  await env.install();
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  tagPrefix = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings).tagPrefix;
  await waitFor(
    () => db.run.findFirst({ where: { shopId, kind: "COMPUTE", status: { in: ["SUCCEEDED", "FAILED"] } } }),
    { timeoutMs: 120_000, intervalMs: 250, what: "the first compute after the back-fill" },
  );
  await pushAfter(0n);
}, 180_000);

afterAll(async () => {
  await env?.close();
  await queues().close();
});

function pushAfter(id: bigint) {
  return waitFor(
    async () => {
      const push = await db.run.findFirst({ where: { shopId, kind: "PUSH", id: { gt: id } }, orderBy: { id: "desc" } });
      return push && (push.status === "SUCCEEDED" || push.status === "FAILED") ? push : undefined;
    },
    { timeoutMs: 90_000, what: "a push" },
  );
}

const dataSaleOptedOut = () => [...store.customers()].filter((c) => c.record.dataSaleOptOut).map((c) => c.record.id);

async function profiled(shopifyId: number) {
  const customer = await db.customer.findUniqueOrThrow({
    where: { shopId_shopifyId: { shopId, shopifyId: BigInt(shopifyId) } },
    include: { score: true },
  });
  return {
    optedOut: customer.profilingOptOut,
    score: customer.score !== null,
    memberships: await db.membership.count({ where: { shopId, customerId: customer.id } }),
  };
}

const appTags = (id: number) => store.customer(id)!.record.tags.filter((t) => t.startsWith(tagPrefix));
const appMetafields = (id: number) =>
  [...store.customerMetafields(id).keys()].filter((k) => k.startsWith(`${env.emu.appNamespace}.`));

describe("opt-out of profiling", () => {
  it("back-fills opted-out customers of both kinds without scoring them or feeding their orders to the engine", async () => {
    const bySale = dataSaleOptedOut();
    expect(bySale.length).toBeGreaterThanOrEqual(5);
    expect(bySale.filter((id) => store.customer(id)!.orders.length > 0).length).toBeGreaterThanOrEqual(5);
    const optedOut = [...bySale, ...taggedAtInstall];
    for (const id of optedOut) {
      expect(await profiled(id), String(id)).toEqual({ optedOut: true, score: false, memberships: 0 });
      expect(appTags(id)).toEqual([]);
      expect(appMetafields(id)).toEqual([]);
    }
    const stored = await db.customer.findMany({ where: { shopId, profilingOptOut: true } });
    expect(stored.map((c) => Number(c.shopifyId)).sort()).toEqual([...optedOut].sort());
    expect(
      stored
        .filter((c) => c.dataSaleOptOut)
        .map((c) => Number(c.shopifyId))
        .sort(),
    ).toEqual([...bySale].sort());

    // What the engine saw: every scorable order of every other customer, none of theirs.
    const { columns, orderCount } = await loadTransactions(db, shopId);
    const optedOutRows = new Set(stored.map((c) => c.id.toString()));
    expect(columns.customerIds.some((id) => optedOutRows.has(id))).toBe(false);
    const scorable = (orders: { test: boolean; cancelledAt: number | null }[]) =>
      orders.filter((o) => !o.test && o.cancelledAt === null).length;
    const optedOutSet = new Set(optedOut);
    let expected = 0;
    for (const { record, orders } of store.customers()) if (!optedOutSet.has(record.id)) expected += scorable(orders);
    expect(orderCount).toBe(expected);
    // Everyone else with orders is scored.
    const scored = await db.customerScore.count({ where: { shopId } });
    expect(scored).toBe(new Set(columns.customerIds).size);
  });

  it("removes a scored, tagged customer who gets the opt-out tag in Shopify, and brings them back when it goes", async () => {
    const customer = [...store.customers()].find(
      (c) => !c.record.dataSaleOptOut && !taggedAtInstall.includes(c.record.id) && appTags(c.record.id).length > 0,
    )!;
    const id = customer.record.id;
    expect(appMetafields(id).length).toBeGreaterThan(0);
    const before = await profiled(id);
    expect(before.score).toBe(true);
    expect(before.memberships).toBeGreaterThan(0);

    // The merchant tags them in Shopify: customers/update, in Shopify's shape (no tags in it).
    store.updateCustomer(id, { tags: [...store.customer(id)!.record.tags, OPT_OUT_TAG] });
    await env.emu.idle();
    const delivered = env.emu.webhooks.delivered("customers/update").at(-1)!;
    expect(JSON.parse(delivered.body)).not.toHaveProperty("tags");

    await waitFor(async () => ((await profiled(id)).optedOut ? true : undefined), {
      timeoutMs: 60_000,
      what: "the re-score to read the opt-out tag",
    });
    await waitFor(async () => (appTags(id).length === 0 && appMetafields(id).length === 0 ? true : undefined), {
      timeoutMs: 90_000,
      what: "the push to take back our tags and metafields",
    });
    expect(await profiled(id)).toEqual({ optedOut: true, score: false, memberships: 0 });
    // Their memberships ended as moves: "left" events for what they were in.
    const row = await db.customer.findUniqueOrThrow({ where: { shopId_shopifyId: { shopId, shopifyId: BigInt(id) } } });
    const left = await db.membershipEvent.count({ where: { shopId, customerId: row.id, entered: false } });
    expect(left).toBeGreaterThanOrEqual(before.memberships);
    expect(store.customer(id)!.record.tags).toContain(OPT_OUT_TAG);

    // The tag goes again: back at the re-score, and still at the next compute.
    store.updateCustomer(id, { tags: store.customer(id)!.record.tags.filter((t) => t !== OPT_OUT_TAG) });
    await waitFor(
      async () => {
        const now = await profiled(id);
        return !now.optedOut && now.score && now.memberships > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the customer back after the tag is removed" },
    );
    await waitFor(async () => (appTags(id).length > 0 ? true : undefined), {
      timeoutMs: 90_000,
      what: "our tags pushed again",
    });
  });

  it("re-evaluates who is opted out when the opt-out tag setting changes", async () => {
    const wholesale = [...store.customers()]
      .filter((c) => c.record.tags.includes("wholesale") && !c.record.dataSaleOptOut)
      .map((c) => c.record.id);
    expect(wholesale.length).toBeGreaterThan(0);
    const shop = await requireShop(env.shop);
    await saveSettings(shop, { ...shop.settings, optOutTag: "Wholesale" });
    for (const id of wholesale) expect((await profiled(id)).optedOut, String(id)).toBe(true);
    // The customers tagged with the old tag are opted in again.
    for (const id of taggedAtInstall.filter((i) => !wholesale.includes(i)))
      expect((await profiled(id)).optedOut, String(id)).toBe(false);
    // And the compute the change queued removes and restores them.
    await waitFor(
      async () => {
        const states = await Promise.all([...wholesale, ...taggedAtInstall].map(profiled));
        const ok = states.every((s, i) =>
          i < wholesale.length
            ? s.score === false && s.memberships === 0
            : wholesale.includes(taggedAtInstall[i - wholesale.length]) || s.score === true,
        );
        return ok ? true : undefined;
      },
      { timeoutMs: 90_000, what: "the compute after the setting changed" },
    );
    await saveSettings(shop, { ...shop.settings, optOutTag: OPT_OUT_TAG });
  });

  it("parses the opt-out tag: absent keeps the default, empty turns the tag off, a comma is refused", () => {
    const form = (value?: string) => {
      const data = new FormData();
      if (value !== undefined) data.set("optOutTag", value);
      return parseSettingsForm(data);
    };
    expect(form().settings.optOutTag).toBe(OPT_OUT_TAG);
    expect(form("").settings.optOutTag).toBe("");
    expect(form("").errors.optOutTag).toBeUndefined();
    expect(form(" no-profiling ").settings.optOutTag).toBe("no-profiling");
    expect(form("a,b").errors.optOutTag).toMatch(/commas/);
  });
});
