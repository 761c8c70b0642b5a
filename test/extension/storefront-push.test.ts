import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { pushShop } from "~/push/push-shop.server";
import { RECOMMENDATIONS_TYPE } from "~/push/recommendations.server";
import { METAOBJECT_UPSERT } from "~/shopify/documents";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import {
  callsSince,
  installAndBackfill,
  mutationCalls,
  pushAdmin,
  storefrontToken,
  writeComputeResult,
} from "../push/fixtures";
import { DEFAULT_APP_TOML, parseToml } from "../shopify-emulator/app-config";
import { product } from "./fixtures";
import { renderBlock } from "./liquid-harness";

// The storefront as a push leaves it, in a shop with its own tag prefixes: the blocks rendered
// against what Liquid (and so the logged-in customer) can read of the emulated shop after a real
// push: the storefront-readable customer metafields, the customer's tags, the app's app-data
// metafields and the public recommendation metaobjects.

type Json = Record<string, unknown>;

let env: EmulatedApp;
let shopId: number;
const CUSTOMERS = 60;
const champion = (i: number) => i % 4 === 0;
const championHoldout = (i: number) => i % 8 === 0;
const atRisk = (i: number) => i % 3 === 0;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 120, plan: "plus" });
  shopId = await installAndBackfill(env);
  await db.shop.update({
    where: { id: shopId },
    data: { settings: { tagPrefix: "vip/", controlTagPrefix: "holdout/" } },
  });
  await writeComputeResult(
    shopId,
    [
      { key: "rfm-champions", name: "Champions", kind: "RFM", member: champion, control: championHoldout },
      { key: "churn-risk-high", name: "High churn risk", kind: "PREDICTIVE", member: atRisk },
    ],
    { limit: CUSTOMERS },
  );
  expect((await pushShop(db, await pushAdmin(env), shopId)).errors).toBe(0);
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

/** Customer metafields the toml opens to the storefront (Liquid and the Storefront API). */
function storefrontReadableKeys(): Set<string> {
  const toml = parseToml(readFileSync(DEFAULT_APP_TOML, "utf8")) as Json;
  const definitions = ((toml.customer as Json).metafields as Json).app as Record<string, Json>;
  return new Set(
    Object.entries(definitions).flatMap(([key, d]) => (d["access.storefront"] === "public_read" ? [key] : [])),
  );
}

function storefront(shopifyId: bigint) {
  const store = env.emu.shop(env.shop);
  const ns = env.emu.appNamespace;
  const readable = storefrontReadableKeys();
  const metafields: Json = {};
  for (const field of store.customerMetafields(Number(shopifyId)).values()) {
    if (field.namespace === ns && readable.has(field.key))
      metafields[field.key] = { value: field.type.startsWith("list.") ? JSON.parse(field.value) : field.value };
  }
  const record = store.customer(Number(shopifyId))!.record;
  const customer = { id: record.id, tags: [...record.tags], metafields: { $app: metafields } };
  const appData: Record<string, Json> = {};
  for (const field of store.appInstallationMetafields().values()) {
    appData[field.namespace] = { ...(appData[field.namespace] ?? {}), [field.key]: { value: field.value } };
  }
  const entries: Json = {};
  for (const m of store.metaobjectsOfType(`${ns}--segment_recommendations`)) {
    const ids = (JSON.parse(m.fields.products) as string[]).map((gid) => Number(gid.split("/").pop()));
    entries[m.handle] = { products: { value: ids.map((id) => product(id)) }, system: { handle: m.handle } };
  }
  return {
    customer,
    app: { metafields: appData },
    shop: { name: "Emulated", metaobjects: { "$app:segment_recommendations": entries } },
    publicMetaobjects: entries,
  };
}

async function customers() {
  return db.customer.findMany({ where: { shopId }, orderBy: { id: "asc" }, take: CUSTOMERS, include: { score: true } });
}

describe("storefront after a push, custom tag prefixes", () => {
  it("shows each block's content to members, the fallback to holdouts under the shop's control prefix", async () => {
    const content = {
      segments: "rfm-champions",
      heading: "Treated",
      fallback_heading: "Fallback",
      others_see: "fallback",
    };
    const banner = { banner_1_segments: "churn-risk-high", banner_1_message: "We miss you" };
    for (const [i, c] of (await customers()).entries()) {
      const view = storefront(c.shopifyId);
      const html = await renderBlock("segment-content", { settings: content, customer: view.customer, app: view.app });
      const variant = /data-segment-variant="(\w+)"/.exec(html)?.[1];
      expect({ i, variant }).toEqual({ i, variant: champion(i) && !championHoldout(i) ? "segment" : "fallback" });
      if (championHoldout(i)) expect(view.customer.tags).toContain("holdout/rfm-champions");

      const bar = await renderBlock("segment-banner", { settings: banner, customer: view.customer, app: view.app });
      expect({ i, shown: bar.includes("We miss you") }).toEqual({ i, shown: atRisk(i) });

      const recs = await renderBlock("segment-recommendations", {
        customer: view.customer,
        app: view.app,
        shop: view.shop,
      });
      const source = /data-segment-source="(\w+)"/.exec(recs)?.[1];
      expect({ i, source }).toEqual({
        i,
        source: atRisk(i) || (champion(i) && !championHoldout(i)) ? "segment" : undefined,
      });
    }
  });

  it("leaves nothing readable on the storefront that names a segment or carries a score", async () => {
    const keys = ["rfm-champions", "churn-risk-high"];
    for (const c of await customers()) {
      const view = storefront(c.shopifyId);
      const readable = JSON.stringify(view.customer.metafields) + JSON.stringify(view.publicMetaobjects);
      for (const word of [...keys, "champion", "churn", "risk", "rfm"]) expect(readable).not.toContain(word);
      const score = c.score!;
      for (const value of [score.clv!.toFixed(2), score.pAlive!.toFixed(4), `${score.r}${score.f}${score.m}`])
        expect(readable).not.toContain(`"${value}"`);
      // Scores stay in Shopify for the merchant (admin), just not on the storefront.
      expect(
        env.emu.shop(env.shop).customerMetafields(Number(c.shopifyId)).get(`${env.emu.appNamespace}.clv`)?.value,
      ).toBe(score.clv!.toFixed(2));
    }
    // The secret the blocks hash keys with is only in the app's installation.
    const appData = env.emu.shop(env.shop).appInstallationMetafields();
    expect([...appData.keys()].sort()).toEqual([
      "segments.control_tag_prefix",
      "segments.storefront_key",
      "segments.tag_prefix",
    ]);
    expect(appData.get("segments.tag_prefix")!.value).toBe("vip/");
    expect(appData.get("segments.control_tag_prefix")!.value).toBe("holdout/");
  });

  it("replaces a recommendation entry handled by key (pushed before tokens) and deletes the old one", async () => {
    const admin = await pushAdmin(env);
    const row = await db.pushedRecommendation.findUniqueOrThrow({
      where: { shopId_segmentKey: { shopId, segmentKey: "rfm-champions" } },
    });
    const old = await admin.request<{ metaobjectUpsert: { metaobject: { id: string } } }>(METAOBJECT_UPSERT, {
      handle: { type: RECOMMENDATIONS_TYPE, handle: "rfm-champions" },
      metaobject: {
        fields: [{ key: "products", value: JSON.stringify(row.products.map((id) => `gid://shopify/Product/${id}`)) }],
      },
    });
    await db.pushedRecommendation.update({
      where: { shopId_segmentKey: { shopId, segmentKey: "rfm-champions" } },
      data: { handle: "rfm-champions", shopifyId: old.metaobjectUpsert.metaobject.id },
    });

    const counts = await pushShop(db, await pushAdmin(env), shopId);
    expect(counts.errors).toBe(0);
    const handles = env.emu
      .shop(env.shop)
      .metaobjectsOfType(`${env.emu.appNamespace}--segment_recommendations`)
      .map((m) => m.handle);
    expect(handles).not.toContain("rfm-champions");
    expect(handles).toContain(await storefrontToken(shopId, "rfm-champions"));
    expect(handles).toHaveLength(2);
    const updated = await db.pushedRecommendation.findUniqueOrThrow({
      where: { shopId_segmentKey: { shopId, segmentKey: "rfm-champions" } },
    });
    expect(updated.handle).toBe(await storefrontToken(shopId, "rfm-champions"));
  });

  it("sends the storefront config once, and again after a (re)install, when the installation is new", async () => {
    const before = mutationCalls(env);
    await pushShop(db, await pushAdmin(env), shopId);
    expect(callsSince(before, env).MetafieldsSet).toBe(0);

    // Uninstall (Shopify drops the installation's metafields; the app/uninstalled webhook drops the
    // sessions), then install again: token exchange runs the afterAuth hook.
    env.emu.shop(env.shop).appInstallationMetafields().clear();
    await db.session.deleteMany({ where: { shop: env.shop } });
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the session storage's 2-second cache
    await env.install();
    const again = mutationCalls(env);
    expect((await pushShop(db, await pushAdmin(env), shopId)).errors).toBe(0);
    expect(callsSince(again, env).MetafieldsSet).toBe(1);
    expect(env.emu.shop(env.shop).appInstallationMetafields().get("segments.storefront_key")!.value).toBe(
      (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).storefrontKey,
    );
  });
});
