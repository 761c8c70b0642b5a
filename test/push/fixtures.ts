import { expect } from "vitest";
import db from "~/db.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { backfillShop } from "~/sync/backfill.server";
import { shopSettings } from "~/settings";
import { nativeSegmentName, nativeSegmentQuery } from "~/push/native-segments.server";
import { appTag } from "~/push/tag-diff.server";
import { belowMinimumSize } from "~/segmentation/segment-health";
import { segmentToken } from "~/push/storefront.server";
import type { SegmentKind } from "~/generated/prisma/client";
import type { EmulatedApp } from "../helpers/emulated-app";
import type { MetaobjectRecord } from "../shopify-emulator";
import { pushAdmin } from "./push-admin";

// Shared by the push tests: a back-filled emulated shop, a stand-in compute result written
// straight to the database, and a check that Shopify carries exactly what the database says.

/** Names of the operations that change something in Shopify. */
export const MUTATIONS = [
  "TagsAdd",
  "TagsRemove",
  "StagedUploadsCreate",
  "RunBulkMutation",
  "SegmentCreate",
  "SegmentUpdate",
  "SegmentDelete",
  "MetafieldsSet",
  "MetaobjectUpsert",
  "MetaobjectDelete",
] as const;

export function mutationCalls(env: EmulatedApp): Record<string, number> {
  const calls = env.emu.stats(env.shop).calls;
  return Object.fromEntries(MUTATIONS.map((m) => [m, calls[m] ?? 0]));
}

export function callsSince(before: Record<string, number>, env: EmulatedApp): Record<string, number> {
  const now = mutationCalls(env);
  return Object.fromEntries(MUTATIONS.map((m) => [m, now[m] - before[m]]));
}

/** Installs the app on the emulated shop and back-fills it (the real sync, run inline). */
export async function installAndBackfill(env: EmulatedApp): Promise<number> {
  await env.install();
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
  await backfillShop(db, await adminForShop(env.shop), shop.id);
  return shop.id;
}

export interface SegmentSpec {
  key: string;
  name: string;
  kind: SegmentKind;
  enabled?: boolean;
  /** Which customers (by position in id order) belong. */
  member: (index: number) => boolean;
  /** Which members are control-group holdouts. */
  control?: (index: number) => boolean;
}

/** Writes Segment, Membership and CustomerScore rows as a compute run would. */
export async function writeComputeResult(
  shopId: number,
  specs: SegmentSpec[],
  { scores = true, limit }: { scores?: boolean; limit?: number } = {},
) {
  const customers = await db.customer.findMany({
    where: { shopId },
    select: { id: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  await db.membership.deleteMany({ where: { shopId } });
  for (const spec of specs) {
    await db.segment.upsert({
      where: { shopId_key: { shopId, key: spec.key } },
      create: { shopId, key: spec.key, kind: spec.kind, name: spec.name, enabled: spec.enabled ?? true },
      update: { name: spec.name, kind: spec.kind, enabled: spec.enabled ?? true },
    });
    const rows = customers.flatMap((c, i) =>
      spec.member(i) ? [{ shopId, customerId: c.id, segmentKey: spec.key, control: spec.control?.(i) ?? false }] : [],
    );
    await db.membership.createMany({ data: rows });
  }
  if (!scores) return;
  await db.customerScore.deleteMany({ where: { shopId } });
  await db.customerScore.createMany({
    data: customers.map((c, i) => ({
      customerId: c.id,
      shopId,
      orderCount: 1 + (i % 7),
      totalSpent: 10 * (1 + (i % 50)),
      r: 1 + (i % 5),
      f: 1 + ((i >> 1) % 5),
      m: 1 + ((i >> 2) % 5),
      rfmSegment: i % 3 === 0 ? "rfm-champions" : "rfm-at-risk",
      lifecycle: i % 2 ? "active" : "at-risk",
      pAlive: (i % 100) / 100,
      clv: 12.5 * (i % 40),
      nextOrderAt: new Date(Date.UTC(2026, 11, 1 + (i % 28), 12)),
      explanation: "test",
    })),
  });
}

const emulatorId = (shopifyId: bigint) => Number(shopifyId);

/**
 * Shopify carries exactly the app tags the memberships call for, the merchant's own tags are
 * those it had before (`merchantTags`, by Shopify id), and one native segment per enabled segment.
 */
export async function expectShopifyMatchesDatabase(
  env: EmulatedApp,
  shopId: number,
  merchantTags: Map<number, string[]>,
) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const settings = shopSettings(shop.settings);
  const store = env.emu.shop(env.shop);
  // The newest prediction check withholds the predictive segments when it found too little data.
  const check = await db.predictionCheck.findFirst({ where: { shopId }, orderBy: { id: "desc" } });
  const withheld = check !== null && !check.sufficient;
  const segments = (await db.segment.findMany({ where: { shopId } })).filter(
    (s) => !(withheld && s.kind === "PREDICTIVE"),
  );
  const enabled = new Set(segments.filter((s) => s.enabled).map((s) => s.key));
  const memberships = await db.membership.findMany({ where: { shopId } });
  const shopifyIds = new Map(
    (await db.customer.findMany({ where: { shopId }, select: { id: true, shopifyId: true } })).map((c) => [
      c.id,
      c.shopifyId,
    ]),
  );
  const expected = new Map<number, string[]>();
  for (const m of memberships) {
    if (!enabled.has(m.segmentKey)) continue;
    const id = emulatorId(shopifyIds.get(m.customerId)!);
    expected.set(id, [...(expected.get(id) ?? []), appTag(settings, m.segmentKey, m.control)]);
  }
  const isApp = (tag: string) => tag.startsWith(settings.tagPrefix) || tag.startsWith(settings.controlTagPrefix);
  let customers = 0;
  for (const { record } of store.customers()) {
    customers++;
    const app = record.tags.filter(isApp).sort();
    const merchant = record.tags.filter((t) => !isApp(t));
    expect({ id: record.id, app }).toEqual({ id: record.id, app: (expected.get(record.id) ?? []).sort() });
    expect({ id: record.id, merchant }).toEqual({ id: record.id, merchant: merchantTags.get(record.id) ?? [] });
  }
  expect(customers).toBe(merchantTags.size);

  // Ours are the ones whose query selects an app tag; the merchant's own segments are left alone.
  const native = [...store.segments.values()].filter((s) => s.query.includes(`CONTAINS '${settings.tagPrefix}`));
  // Segments below the minimum size get none unless the merchant opted in (tags all the same).
  const scored = await db.customerScore.count({ where: { shopId } });
  const treated = (key: string) => memberships.filter((m) => m.segmentKey === key && !m.control).length;
  const wanted = segments.filter(
    (s) =>
      s.enabled &&
      settings.pushNativeSegments &&
      (settings.pushSmallSegments || !belowMinimumSize(treated(s.key), scored, settings)),
  );
  expect(native.map((s) => s.query).sort()).toEqual(
    wanted.map((s) => nativeSegmentQuery(appTag(settings, s.key, false))).sort(),
  );
  for (const segment of wanted) {
    const found = native.find((n) => n.query === nativeSegmentQuery(appTag(settings, segment.key, false)))!;
    expect(found.name.startsWith(nativeSegmentName(segment.name))).toBe(true);
    expect(segment.shopifySegmentId).toBe(`gid://shopify/Segment/${found.id}`);
  }
}

/** Every customer's tags as Shopify has them now, by id (taken before a push: the merchant's own). */
export function tagsByCustomer(env: EmulatedApp): Map<number, string[]> {
  const tags = new Map<number, string[]>();
  for (const { record } of env.emu.shop(env.shop).customers()) tags.set(record.id, [...record.tags]);
  return tags;
}

/** The recommendations metaobjects in the emulated shop (`$app:segment_recommendations`, resolved). */
export function recommendationMetaobjects(env: EmulatedApp): MetaobjectRecord[] {
  return env.emu.shop(env.shop).metaobjectsOfType(`${env.emu.appNamespace}--segment_recommendations`);
}

/** The storefront token of a segment key in this shop (what its metafields and handles carry). */
export async function storefrontToken(shopId: number, key: string): Promise<string> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  return segmentToken(shop.storefrontKey!, key);
}

/**
 * Shopify holds exactly the recommendations the database recorded as pushed: same ids, handles
 * (the segment's token) and products, and no field that names the segment.
 */
export async function expectRecommendationsMatchDatabase(env: EmulatedApp, shopId: number) {
  const byHandle = (a: { handle: string }, b: { handle: string }) =>
    a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0;
  const pushed = await db.pushedRecommendation.findMany({ where: { shopId } });
  const inShopify = recommendationMetaobjects(env).map((m) => ({
    id: `gid://shopify/Metaobject/${m.id}`,
    handle: m.handle,
    fields: Object.keys(m.fields),
    products: JSON.parse(m.fields.products) as string[],
  }));
  const expected = await Promise.all(
    pushed.map(async (p) => ({
      id: p.shopifyId,
      handle: await storefrontToken(shopId, p.segmentKey),
      fields: ["products"],
      products: p.products.map((id) => `gid://shopify/Product/${id}`),
    })),
  );
  expect(pushed.every((p) => expected.some((e) => e.handle === p.handle))).toBe(true);
  expect(inShopify.sort(byHandle)).toEqual(expected.sort(byHandle));
}

export { pushAdmin };
