import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { analyzeStoredShop, computeShop } from "~/compute/compute-shop.server";
import { buildRuleContext } from "~/compute/rule-context.server";
import { previewRuleCount, ruleSql } from "~/admin/rule-segments.server";
import { requireShop, type ShopContext } from "~/admin/admin-shop.server";
import { segmentKeysOf } from "~/segmentation";
import { FIELD_TABLE, fieldSpec, type ConditionField } from "~/segmentation/rule-fields";
import type { Rule, RuleCondition, RuleContext, RuleNode } from "~/segmentation/rules";
import { reencryptCustomers } from "~/privacy/reencrypt.server";
import { seedAnalysedShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// The two evaluators of the rule language must agree: for every field of the field table and
// every comparison it allows, the rule builder's live preview (SQL over the stored scores)
// counts exactly the customers a compute run puts in the segment (TypeScript over the run's
// columns). Thresholds come from the seeded data, so every case selects some customers but
// not all of them. A field added to the table gets number/window cases automatically; a new
// kind of field without cases here fails the test.

// Mid-afternoon in a shop west of UTC: shop-local days and exact instants differ.
const NOW = new Date("2026-11-01T15:30:00Z");
const TIMEZONE = "America/New_York";
const CUSTOMERS = 800;
const WINDOW_DAYS = 120;
const BASE_KEY = "rule-parity-base";

interface ParityCase {
  name: string;
  key: string;
  rule: Rule;
  /** The (field, op) pairs the case exercises. */
  covers: string[];
}

let shop: ShopContext;
let shopId: number;
const cases: ParityCase[] = [];

/** A data value strictly inside the column's range when there is one (near the median), so no comparison is trivial. */
function threshold(column: Float64Array): number {
  const values = Array.from(column)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const distinct = [...new Set(values)];
  if (distinct.length < 3) return values[Math.floor(values.length / 2)];
  // Mostly-zero columns (spend in a window): the median of the values above the minimum.
  const above = values.filter((v) => v > distinct[0]);
  const median =
    values[Math.floor(values.length / 2)] === distinct[0]
      ? above[Math.floor(above.length / 2)]
      : values[Math.floor(values.length / 2)];
  const at = distinct.indexOf(median);
  return distinct[Math.min(Math.max(at, 1), distinct.length - 2)];
}

/** Order data the engine and both evaluators must treat alike: refunds in cents, cancelled, test and future orders, case-varied tags and product types. */
async function varyTheSeededShop() {
  await db.$executeRaw`UPDATE "Shop" SET "timezone" = ${TIMEZONE} WHERE "id" = ${shopId}`;
  await db.$executeRaw`UPDATE "Order" SET "totalRefunded" = 0.35 WHERE "shopId" = ${shopId} AND "shopifyId" % 7 = 1`;
  await db.$executeRaw`UPDATE "Order" SET "totalRefunded" = 0.1 WHERE "shopId" = ${shopId} AND "shopifyId" % 7 = 2`;
  await db.$executeRaw`UPDATE "Order" SET "cancelledAt" = ${NOW} WHERE "shopId" = ${shopId} AND "shopifyId" % 11 = 2`;
  await db.$executeRaw`UPDATE "Order" SET "test" = true WHERE "shopId" = ${shopId} AND "shopifyId" % 13 = 3`;
  // Dated after the as-of instant: a few hours (still the shop's today) and days later.
  await db.$executeRaw`UPDATE "Order" SET "processedAt" = ${NOW}::timestamp + interval '3 hours' WHERE "shopId" = ${shopId} AND "shopifyId" % 17 = 4`;
  await db.$executeRaw`UPDATE "Order" SET "processedAt" = ${NOW}::timestamp + interval '5 days' WHERE "shopId" = ${shopId} AND "shopifyId" % 19 = 5`;
  await db.$executeRaw`
    UPDATE "Order" SET "lineItems" = jsonb_build_array(jsonb_build_object('productType', 'TEA', 'quantity', 1), jsonb_build_object('productType', 'Mugs', 'quantity', 2))
    WHERE "shopId" = ${shopId} AND "shopifyId" % 5 = 0`;
  // Lines resolved through products: a product's type now beats the line's stale one, a deleted
  // product has neither type nor vendor, an unknown product keeps the line's type and no vendor.
  const product = (k: number) => BigInt(shopId) * 1000n + BigInt(k);
  await db.product.createMany({
    data: [
      { shopId, shopifyId: product(1), title: "House blend", productType: "Coffee", vendor: "Roastery" },
      { shopId, shopifyId: product(2), title: "Sencha", productType: "Tea", vendor: "Leaf Co" },
      { shopId, shopifyId: product(3), title: "Old mug", productType: "Mugs", vendor: "Potter", deletedAt: NOW },
    ],
  });
  await db.$executeRaw`
    UPDATE "Order" SET "lineItems" = jsonb_build_array(
      jsonb_build_object('id', '1', 'productId', ${product(1).toString()}::text, 'productType', 'Tea', 'quantity', 1, 'amount', 20),
      jsonb_build_object('id', '2', 'productId', ${product(2).toString()}::text, 'productType', null, 'quantity', 1, 'amount', 5))
    WHERE "shopId" = ${shopId} AND "shopifyId" % 5 = 1`;
  await db.$executeRaw`
    UPDATE "Order" SET "lineItems" = jsonb_build_array(
      jsonb_build_object('id', '1', 'productId', ${product(3).toString()}::text, 'productType', 'Mugs', 'quantity', 1, 'amount', 30),
      jsonb_build_object('id', '2', 'productId', ${product(4).toString()}::text, 'productType', 'Beans', 'quantity', 2, 'amount', 10))
    WHERE "shopId" = ${shopId} AND "shopifyId" % 5 = 2`;
  // A line without an amount beside one with (the order's net goes to the priced line).
  await db.$executeRaw`
    UPDATE "Order" SET "lineItems" = jsonb_build_array(
      jsonb_build_object('id', '1', 'productId', ${product(2).toString()}::text, 'quantity', 1, 'amount', 8),
      jsonb_build_object('id', '2', 'productType', 'Coffee', 'quantity', 1))
    WHERE "shopId" = ${shopId} AND "shopifyId" % 5 = 3`;
  // Collections: a product in two collections titled alike counts once for the title; a deleted
  // product is in none; a product the app has not stored yet is in its collections; a deleted
  // collection holds nothing.
  const collection = (k: number) => BigInt(shopId) * 100n + BigInt(k);
  await db.collection.createMany({
    data: [
      { shopId, shopifyId: collection(1), title: "Breakfast", handle: "breakfast" },
      { shopId, shopifyId: collection(2), title: "breakfast", handle: "breakfast-2" },
      { shopId, shopifyId: collection(3), title: "Gifts", handle: "gifts" },
      { shopId, shopifyId: collection(4), title: null, handle: null, deletedAt: NOW },
    ],
  });
  await db.productCollection.createMany({
    data: [
      [1, 1],
      [1, 2],
      [2, 2],
      [3, 3],
      [3, 4],
      [4, 1],
    ].map(([c, p]) => ({ shopId, collectionId: collection(c), productId: product(p) })),
  });
  await db.$executeRaw`UPDATE "Customer" SET "tags" = ARRAY['vip', 'Wholesale'] WHERE "shopId" = ${shopId} AND "shopifyId" % 10 = 5`;
  // Two orders of 0.10 and 0.20: 0.30 in PostgreSQL's numeric, 0.30000000000000004 as a float sum.
  const customerShopifyId = BigInt(shopId) * 10_000_000n + 5_000_000n;
  await db.customer.create({
    data: { shopId, shopifyId: customerShopifyId, email: "cents@example.com", tags: [], updatedAt: NOW },
  });
  await db.order.createMany({
    data: [0.1, 0.2].map((total, k) => ({
      shopId,
      shopifyId: customerShopifyId * 10n + BigInt(k),
      customerShopifyId,
      name: `#cents-${k}`,
      processedAt: new Date(NOW.getTime() - (10 + 30 * k) * 86_400_000),
      shopifyUpdatedAt: NOW,
      currency: "USD",
      totalPrice: total,
      lineItems: [{ productType: "Samples", quantity: 1 }],
      updatedAt: NOW,
    })),
  });
  // Signals: discounts in cents (some a single cent), channels (a share of customers only at the
  // point of sale, orders stored before channels were kept without one), addresses and consent
  // in varied case, some missing.
  await db.$executeRaw`UPDATE "Order" SET "totalDiscounts" = round("totalPrice" * 0.15, 2), "discountCodes" = ARRAY['SAVE15'] WHERE "shopId" = ${shopId} AND "shopifyId" % 3 = 0`;
  await db.$executeRaw`UPDATE "Order" SET "totalDiscounts" = 0.01 WHERE "shopId" = ${shopId} AND "shopifyId" % 23 = 7`;
  await db.$executeRaw`UPDATE "Order" SET "channel" = (ARRAY['online', 'online', 'pos', 'draft', 'other'])[("shopifyId" % 5) + 1] WHERE "shopId" = ${shopId} AND "shopifyId" % 29 <> 0`;
  await db.$executeRaw`UPDATE "Order" SET "channel" = 'pos' WHERE "shopId" = ${shopId} AND "customerShopifyId" % 6 = 0`;
  await db.$executeRaw`UPDATE "Order" SET "channel" = 'online' WHERE "shopId" = ${shopId} AND "customerShopifyId" % 6 = 1`;
  await db.$executeRaw`
    UPDATE "Customer" SET "countryCode" = (ARRAY['CA', 'US', 'ca', NULL])[("shopifyId" % 4) + 1],
      "provinceCode" = (ARRAY['ON', 'NY', 'on', NULL, 'QC'])[("shopifyId" % 5) + 1],
      "city" = (ARRAY['Toronto', 'New York', 'toronto', 'Ottawa', NULL, 'Montréal'])[("shopifyId" % 6) + 1],
      "emailMarketingState" = (ARRAY['SUBSCRIBED', 'NOT_SUBSCRIBED', 'subscribed', 'UNSUBSCRIBED', NULL])[("shopifyId" % 5) + 1],
      "smsMarketingState" = (ARRAY['SUBSCRIBED', 'NOT_SUBSCRIBED', NULL])[("shopifyId" % 3) + 1]
    WHERE "shopId" = ${shopId}`;
  // Written as plaintext (as rows stored before encryption), then sealed with their keyed hashes
  // by the re-encrypt command's own code, as an upgrade does.
  await reencryptCustomers(db, { shopId });
  // The seed's scores and memberships are made up; the parity is about what a run computes.
  await db.customerScore.deleteMany({ where: { shopId } });
  await db.membership.deleteMany({ where: { shopId } });
}

/** The compute's own rule context over the shop's stored orders as of NOW (what thresholds are read from). */
async function runContext(): Promise<{ context: RuleContext; commonEngineKey: string }> {
  const { columns, lines, signals, analysis } = await analyzeStoredShop(db, shopId, NOW);
  const customers = analysis.customers;
  const context = await buildRuleContext(
    {
      db,
      shopId,
      customerIds: customers.ids,
      sourceIndex: customers.sourceIndex,
      transactions: columns,
      feature: (field) => customers.features[field],
      inSegment: () => new Uint8Array(customers.count),
      asOf: NOW.getTime(),
      lines,
      signals,
    },
    [],
  );
  const sizes = new Map<string, number>();
  for (let c = 0; c < customers.count; c++)
    for (const key of segmentKeysOf(analysis, c)) sizes.set(key, (sizes.get(key) ?? 0) + 1);
  const commonEngineKey = [...sizes].filter(([, size]) => size < customers.count).sort((a, b) => b[1] - a[1])[0][0];
  return { context, commonEngineKey };
}

/** The value variants a choice field is tested with; a choice field missing here has no parity case. */
const CHOICE_VALUES: Partial<Record<ConditionField, (engineKey: string) => { value: string | true; days?: number }[]>> =
  {
    fullPriceBuyer: () => [{ value: true }],
    country: () => [{ value: "ca" }, { value: "US" }],
    province: () => [{ value: "on" }, { value: "QC" }],
    city: () => [{ value: "TORONTO" }, { value: "Montréal" }],
    emailMarketing: () => [{ value: "subscribed" }],
    smsMarketing: () => [{ value: "SUBSCRIBED" }],
    productType: () => [{ value: "tea" }, { value: "Tea", days: 90 }, { value: "mugs", days: 200 }],
    tag: () => [{ value: "VIP" }, { value: "wholesale" }],
    segment: (engineKey) => [{ value: engineKey }, { value: BASE_KEY }],
    topProductType: () => [{ value: "coffee" }, { value: "TEA" }],
    topVendor: () => [{ value: "roastery" }, { value: "Leaf co" }],
    topCollection: () => [{ value: "BREAKFAST" }, { value: "gifts" }],
  };

/** The category a field that names one (`name`) is tested with. */
const CATEGORY_NAMES: Partial<Record<ConditionField, string>> = {
  productTypeOrders: "coffee",
  vendorOrders: "Leaf CO",
  collectionOrders: "breakfast",
  channelShare: "POS",
  channelOrders: "online",
};

function conditionsFor(field: ConditionField, context: RuleContext, engineKey: string): RuleCondition[] {
  const spec = fieldSpec(field);
  if (spec.kind === "choice") {
    const values = CHOICE_VALUES[field];
    if (!values) throw new Error(`no parity case for the field ${field}: add its values to CHOICE_VALUES`);
    return spec.ops.flatMap((op) =>
      values(engineKey).map(({ value, days }) => ({ field, op, value, ...(days ? { days } : {}) }) as RuleCondition),
    );
  }
  const days = spec.days === "required" ? WINDOW_DAYS : undefined;
  const name = spec.name ? CATEGORY_NAMES[field] : undefined;
  if (spec.name && !name) throw new Error(`no parity case for the field ${field}: add its category to CATEGORY_NAMES`);
  const probe = { field, op: ">", value: 0, ...(days ? { days } : {}), ...(name ? { name } : {}) } as RuleCondition;
  const value = threshold(spec.read!(probe, context));
  return spec.ops.map((op) => ({ ...probe, op, value }) as RuleCondition);
}

function conditionsOf(node: RuleNode): RuleCondition[] {
  return "all" in node ? node.all.flatMap(conditionsOf) : "any" in node ? node.any.flatMap(conditionsOf) : [node];
}

beforeAll(async () => {
  const seeded = await seedAnalysedShop(uniqueShopDomain("rule-parity"), CUSTOMERS, NOW);
  shopId = seeded.shopId;
  shop = await requireShop(seeded.domain);
  await varyTheSeededShop();
  const { context, commonEngineKey } = await runContext();

  const byField = new Map<ConditionField, RuleCondition[]>();
  for (const field of Object.keys(FIELD_TABLE) as ConditionField[])
    byField.set(field, conditionsFor(field, context, commonEngineKey));
  const first = (field: ConditionField, op: string) => byField.get(field)!.find((c) => c.op === op)!;

  const add = (name: string, rule: Rule) =>
    cases.push({
      name,
      key: `rule-parity-${cases.length}`,
      rule,
      covers: conditionsOf(rule).map((c) => `${c.field} ${c.op}`),
    });
  // The segment other rules select by membership: a rule segment of the same run.
  cases.push({ name: "base: clv > median", key: BASE_KEY, rule: { all: [first("clv", ">")] }, covers: [] });
  for (const [field, conditions] of byField) {
    for (const condition of conditions)
      add(
        `${field} ${condition.op} ${JSON.stringify(condition.value)}${"days" in condition && condition.days ? ` (${condition.days} days)` : ""}`,
        { all: [condition] },
      );
  }
  add("nested: (tagged VIP or bought tea) and orders ≥ t", {
    all: [{ any: [first("tag", "has"), first("productType", "bought")] }, first("orders", ">=")],
  });
  add("nested: (spent > t and in segment) or (recency > t and (pAlive < t or not tagged))", {
    any: [
      { all: [first("spend", ">"), first("segment", "in")] },
      { all: [first("recencyDays", ">"), { any: [first("pAlive", "<"), first("tag", "hasNot")] }] },
    ],
  });
  add("nested: any of (all of (not in base, tenure ≥ t), average order value = t, orders in window ≠ t)", {
    any: [
      {
        all: [
          byField.get("segment")!.find((c) => c.op === "notIn" && c.value === BASE_KEY)!,
          first("tenureDays", ">="),
        ],
      },
      first("averageOrderValue", "="),
      first("orderCount", "!="),
    ],
  });

  // The seeds' example over a longer window: bought tea (by the line's or the product's type) at least twice.
  add("bought tea at least twice in the last 400 days", {
    all: [{ field: "productTypeOrders", op: ">=", value: 2, days: 400, name: "Tea" }],
  });
  add("bought Beans (unknown product: the line's type) at least once in 700 days", {
    all: [{ field: "productTypeOrders", op: ">=", value: 1, days: 700, name: "beans" }],
  });
  add("top product type is Tea and bought from Roastery at most once in 200 days", {
    all: [
      { field: "topProductType", op: "is", value: "Tea" },
      { field: "vendorOrders", op: "<=", value: 1, days: 200, name: "Roastery" },
    ],
  });

  add("bought from Gifts (through an unknown product) at least twice in 400 days, or top collection Breakfast", {
    any: [
      { field: "collectionOrders", op: ">=", value: 2, days: 400, name: "gifts" },
      { field: "topCollection", op: "is", value: "Breakfast" },
    ],
  });
  add("never bought from a deleted collection's products as it, and bought from Breakfast in 90 days", {
    all: [
      { field: "collectionOrders", op: "=", value: 0, days: 700, name: "Retired" },
      { field: "collectionOrders", op: ">=", value: 1, days: 90, name: "Breakfast" },
    ],
  });

  // Signals at their edges: "only POS" (a share of exactly 1), no discount at all, a third discounted.
  add("only POS orders", { all: [{ field: "channelShare", op: "=", value: 1, name: "pos" }] });
  add("never online", { all: [{ field: "channelShare", op: "=", value: 0, name: "Online" }] });
  add("no discounted order", { all: [{ field: "discountedOrderShare", op: "=", value: 0 }] });
  add("discounted spend under 0.1", { all: [{ field: "discountedSpendShare", op: "<", value: 0.1 }] });
  add("province is ON and full-price buyer and bought coffee twice in 400 days", {
    all: [
      { field: "province", op: "is", value: "ON" },
      { field: "fullPriceBuyer", op: "isNot", value: true },
      { field: "productTypeOrders", op: ">=", value: 1, days: 400, name: "Coffee" },
    ],
  });

  // Money compares in cents on both sides: the customer of 0.10 + 0.20 has spent exactly 0.30.
  add("cents: total spent ≤ 0.30", { all: [{ field: "totalSpend", op: "<=", value: 0.3 }] });
  add("cents: average order value = 0.15", { all: [{ field: "averageOrderValue", op: "=", value: 0.15 }] });
  add("cents: spent ≤ 0.30 in the last 60 days", { all: [{ field: "spend", op: "<=", value: 0.3, days: 60 }] });

  await db.segment.createMany({
    data: cases.map((c) => ({
      shopId,
      key: c.key,
      kind: "RULE" as const,
      name: c.name,
      definition: { rule: c.rule } as object,
    })),
  });
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "rule-parity" } });
  const result = await computeShop(db, shopId, run.id, NOW);
  expect(result.ruleErrors).toEqual({});
  expect(result.ruleSegments).toBe(cases.length);
}, 240_000);

afterAll(async () => {
  await db.shop.deleteMany({ where: { id: shopId } });
});

describe("rule parity: live preview (SQL) and compute (TypeScript)", () => {
  it("has a case for every field and every comparison the field table allows", () => {
    const covered = new Set(cases.flatMap((c) => c.covers));
    const allowed = Object.entries(FIELD_TABLE).flatMap(([field, spec]) => spec.ops.map((op) => `${field} ${op}`));
    expect(allowed.filter((pair) => !covered.has(pair))).toEqual([]);
    expect(allowed.length).toBe(Object.values(FIELD_TABLE).reduce((n, spec) => n + spec.ops.length, 0));
  });

  it("counts in the preview exactly the members each run put in the segment, for every case", async () => {
    const scored = await db.customerScore.count({ where: { shopId } });
    expect(scored).toBeGreaterThan(CUSTOMERS * 0.9);
    const mismatches: string[] = [];
    const trivial: string[] = [];
    for (const c of cases) {
      const members = await db.membership.findMany({
        where: { shopId, segmentKey: c.key },
        select: { customerId: true },
      });
      const preview = await previewRuleCount(shop, c.rule, NOW);
      expect(preview.scored, c.name).toBe(scored);
      // The same compiled SQL, as ids, so a mismatch names its customers.
      const selected = await db.$queryRaw<{ id: bigint }[]>(
        Prisma.sql`SELECT s."customerId" AS id FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId" WHERE s."shopId" = ${shopId} AND ${ruleSql(c.rule, shopId, NOW)}`,
      );
      const inRun = new Set(members.map((m) => m.customerId.toString()));
      const inSql = new Set(selected.map((s) => s.id.toString()));
      if (preview.matches !== members.length || inSql.size !== inRun.size || [...inSql].some((id) => !inRun.has(id))) {
        const onlySql = [...inSql].filter((id) => !inRun.has(id)).slice(0, 5);
        const onlyRun = [...inRun].filter((id) => !inSql.has(id)).slice(0, 5);
        mismatches.push(
          `${c.name}: preview ${preview.matches}, run ${members.length} (only SQL: ${onlySql.join(",")}; only run: ${onlyRun.join(",")})`,
        );
      }
      if (members.length === 0 || members.length === scored) trivial.push(`${c.name}: ${members.length} of ${scored}`);
    }
    expect(mismatches).toEqual([]);
    // Every case selects some but not all customers (a case that can't tell evaluators apart proves nothing).
    expect(trivial).toEqual([]);
    expect(cases.length).toBeGreaterThan(100);
  });
});
