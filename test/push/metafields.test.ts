import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { pushShop } from "~/push/push-shop.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import {
  callsSince,
  installAndBackfill,
  mutationCalls,
  pushAdmin,
  storefrontToken,
  writeComputeResult,
} from "./fixtures";

// Customer metafields that become empty are deleted in Shopify, not left with their old value,
// and a push interrupted while deleting is finished by the next one.

let env: EmulatedApp;
let shopId: number;
const CUSTOMERS = 120;
const SCORE_KEYS = ["rfm", "rfm_segment", "lifecycle", "p_alive", "clv", "next_order_at"];
const perCall = { bulkThreshold: 1_000_000, saveEvery: 10 };

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 200, plan: "plus" });
  shopId = await installAndBackfill(env);
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

async function customers() {
  return db.customer.findMany({ where: { shopId }, orderBy: { id: "asc" }, take: CUSTOMERS });
}

/** The `$app` metafields Shopify holds for a customer: key → value. */
function inShopify(shopifyId: bigint): Record<string, string> {
  const ns = `${env.emu.appNamespace}.`;
  const fields = env.emu.shop(env.shop).customerMetafields(Number(shopifyId));
  return Object.fromEntries([...fields.values()].filter((f) => `${f.namespace}.` === ns).map((f) => [f.key, f.value]));
}

/** PushedMetafields says exactly what Shopify holds, for every customer. */
async function expectBookkeepingMatchesShopify() {
  const pushed = new Map(
    (await db.pushedMetafields.findMany({ where: { shopId } })).map((p) => [
      p.customerId,
      p.values as Record<string, string>,
    ]),
  );
  for (const customer of await customers()) {
    expect({ id: customer.id, values: inShopify(customer.shopifyId) }).toEqual({
      id: customer.id,
      values: pushed.get(customer.id) ?? {},
    });
  }
}

describe("metafields that become empty", () => {
  it("are deleted (left every segment, no next order, score gone), and a crash mid-way converges", async () => {
    const everyone = { key: "vip", name: "VIP", kind: "RULE" as const, member: () => true };
    await writeComputeResult(
      shopId,
      [everyone, { key: "half", name: "Half", kind: "RULE", member: (i) => i % 2 === 0 }],
      { limit: CUSTOMERS },
    );
    expect((await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall })).errors).toBe(0);
    const list = await customers();
    for (const customer of list)
      expect(Object.keys(inShopify(customer.shopifyId)).sort()).toEqual([...SCORE_KEYS, "segments"].sort());

    // 0–19 leave every segment; 20–29 are expected never to order again; 30–39 lose their score.
    await writeComputeResult(shopId, [{ ...everyone, member: (i) => i >= 20 }], { limit: CUSTOMERS, scores: false });
    await db.customerScore.updateMany({
      where: { customerId: { in: list.slice(20, 30).map((c) => c.id) } },
      data: { nextOrderAt: null },
    });
    await db.customerScore.deleteMany({ where: { customerId: { in: list.slice(30, 40).map((c) => c.id) } } });

    let deleteCalls = 0;
    const crashing = await pushAdmin(env, {
      fault: (query) => {
        if (query.includes("mutation MetafieldsDelete") && ++deleteCalls > 1) throw new Error("worker killed");
      },
    });
    await expect(pushShop(db, crashing, shopId, { tuning: { ...perCall, saveEvery: 1 } })).rejects.toThrow(
      "worker killed",
    );
    // What was recorded is what Shopify has, deletions included.
    await expectBookkeepingMatchesShopify();

    const counts = await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall });
    expect(counts.errors).toBe(0);
    await expectBookkeepingMatchesShopify();
    for (const [i, customer] of list.entries()) {
      const keys = Object.keys(inShopify(customer.shopifyId)).sort();
      if (i < 20) expect({ i, keys }).toEqual({ i, keys: [...SCORE_KEYS].sort() });
      else if (i < 30)
        expect({ i, keys }).toEqual({
          i,
          keys: [...SCORE_KEYS.filter((k) => k !== "next_order_at"), "segments"].sort(),
        });
      else if (i < 40) expect({ i, keys }).toEqual({ i, keys: ["segments"] });
      else expect({ i, keys }).toEqual({ i, keys: [...SCORE_KEYS, "segments"].sort() });
    }
    expect(JSON.parse(inShopify(list[20].shopifyId).segments)).toEqual([await storefrontToken(shopId, "vip")]);

    // Converged: nothing left to set or delete.
    const before = mutationCalls(env);
    await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall });
    expect(Object.values(callsSince(before, env)).every((n) => n === 0)).toBe(true);
  });

  it("are all deleted when metafield pushes are switched off, and written again when switched on", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await db.shop.update({
      where: { id: shopId },
      data: { settings: { ...(shop.settings as object), pushMetafields: false } },
    });
    expect((await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall })).errors).toBe(0);
    for (const customer of await customers()) expect(inShopify(customer.shopifyId)).toEqual({});
    expect(await db.pushedMetafields.count({ where: { shopId } })).toBe(0);

    await db.shop.update({
      where: { id: shopId },
      data: { settings: { ...(shop.settings as object), pushMetafields: true } },
    });
    expect((await pushShop(db, await pushAdmin(env), shopId, { tuning: perCall })).errors).toBe(0);
    await expectBookkeepingMatchesShopify();
    const list = await customers();
    expect(Object.keys(inShopify(list[50].shopifyId)).sort()).toEqual([...SCORE_KEYS, "segments"].sort());
  });
});
