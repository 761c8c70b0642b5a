import { rawSql, sql, type SqlFragment } from "./sql-fragment";
import type { CategoryKind } from "./affinity";
import {
  isLookupAttribute,
  type CustomerAttribute,
  type LookupAttribute,
  type NumericOp,
  type RuleCondition,
  type RuleContext,
  type RuleField,
} from "./rule-types";

// The one table of what a rule can ask about a customer. Each field says how the builder
// labels it, which comparisons it takes, what value and days it needs, how the compute reads
// it in TypeScript (over the run's columns) and how the live preview reads it in SQL (over
// CustomerScore s JOIN Customer c). Both evaluators and the validator are driven by it, so a
// field exists in both or in neither.

export const NUMERIC_OPS: readonly NumericOp[] = [">", ">=", "<", "<=", "=", "!="];
export type ChoiceOp = "bought" | "notBought" | "has" | "hasNot" | "in" | "notIn" | "is" | "isNot";
export type RuleOp = NumericOp | ChoiceOp;

/** How the builder offers each comparison, and how a rule's description says it. */
export const OPERATORS: Record<RuleOp, { label: string; words: string }> = {
  ">": { label: "is over", words: "over" },
  ">=": { label: "is at least", words: "at least" },
  "<": { label: "is under", words: "under" },
  "<=": { label: "is at most", words: "at most" },
  "=": { label: "is exactly", words: "exactly" },
  "!=": { label: "is not", words: "not" },
  bought: { label: "bought", words: "bought" },
  notBought: { label: "never bought", words: "never bought" },
  has: { label: "has", words: "tagged" },
  hasNot: { label: "does not have", words: "not tagged" },
  in: { label: "is in", words: "in" },
  notIn: { label: "is not in", words: "not in" },
  is: { label: "is", words: "is" },
  isNot: { label: "is not", words: "is not" },
};

const SQL_OPS: Record<NumericOp, string> = { ">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "!=": "<>" };

/** What the SQL of a condition may refer to besides the s and c aliases. */
export interface SqlEnv {
  now: Date;
  /** The keyed hashes a value of an address part may be stored under (one per key in use). */
  lookups(attribute: LookupAttribute, value: string): string[];
}

type ConditionOf<F extends RuleCondition["field"]> = RuleCondition extends infer C
  ? C extends { field: infer G }
    ? F extends G
      ? C
      : never
    : never
  : never;

export interface FieldSpec<C extends RuleCondition = RuleCondition> {
  kind: "number" | "window" | "choice";
  /** The builder's label, e.g. "Total spent", "Spent in the last … days". */
  label: string;
  ops: readonly C["op"][];
  /** "flag": the condition is a yes/no property of the customer, its value always `true`. */
  value: "number" | "text" | "segmentKey" | "flag";
  /** What the merchant is told when the value is missing or malformed. */
  valueProblem: string;
  days: "none" | "optional" | "required";
  /** Fields that also name a category (`name`): the builder's label for it and what is said when it is missing. */
  name?: { label: string; problem: string };
  /** A number or window field's value per customer of the run's columns (what `evaluate` compares). */
  read?(condition: C, context: RuleContext): Float64Array;
  /** 1 for every customer of the run's columns the condition selects. */
  evaluate(condition: C, context: RuleContext): Uint8Array;
  /** A boolean SQL expression over CustomerScore s JOIN Customer c. */
  sql(condition: C, env: SqlEnv): SqlFragment;
  describe(condition: C): string;
}

const DAY_MS = 86_400_000;

// ---- TypeScript side: column reads and comparisons -------------------------------------

/** Money to whole cents, as PostgreSQL's numeric holds it: a float sum of 0.1s is not 0.3. */
function cents(column: Float64Array): Float64Array {
  const out = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) out[i] = Math.round(column[i] * 100) / 100;
  return out;
}

function divide(numerator: Float64Array, denominator: Float64Array): Float64Array {
  const out = new Float64Array(numerator.length);
  for (let i = 0; i < out.length; i++) out[i] = denominator[i] === 0 ? NaN : numerator[i] / denominator[i];
  return out;
}

/** NaN (no prediction) never matches, whatever the comparison: SQL's NULL does the same. */
function compare(column: Float64Array, op: NumericOp, value: number): Uint8Array {
  const out = new Uint8Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v !== v) continue;
    out[i] = Number(
      op === ">"
        ? v > value
        : op === ">="
          ? v >= value
          : op === "<"
            ? v < value
            : op === "<="
              ? v <= value
              : op === "="
                ? v === value
                : v !== value,
    );
  }
  return out;
}

function invert(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ^ 1;
  return out;
}

// ---- SQL side ------------------------------------------------------------------------------

/** The customer's orders that count: live, not test, not cancelled (as the compute loads them). */
const liveOrders = sql`o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
  AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL`;

/**
 * A line item's product type: its product's as it is now (order webhooks carry no type, and a
 * retyped product retypes past purchases, as in Shopify's segment filters); none once the product
 * is deleted (as a back-fill sees it); what the bulk export said while the product is unknown.
 */
const lineItemType = sql`CASE WHEN p."shopifyId" IS NULL THEN item->>'productType'
  WHEN p."deletedAt" IS NULL THEN p."productType" END`;

/** Whether the customer bought the product type (in the last `days` days, when given). */
export function boughtProductTypeSql(productType: string, days: number | undefined, env: SqlEnv): SqlFragment {
  const since = days ? new Date(env.now.getTime() - days * DAY_MS) : null;
  return sql`EXISTS (SELECT 1 FROM "Order" o CROSS JOIN LATERAL jsonb_array_elements(o."lineItems") item
    LEFT JOIN "Product" p ON p."shopId" = o."shopId" AND p."shopifyId" = (item->>'productId')::bigint
    WHERE ${liveOrders} AND lower(${lineItemType}) = ${productType.toLowerCase()}
      AND (${since}::timestamp IS NULL OR o."processedAt" >= ${since}::timestamp))`;
}

/** Whether the customer carries the tag (case-insensitive, as Shopify treats tags). */
export function hasTagSql(tag: string): SqlFragment {
  return sql`EXISTS (SELECT 1 FROM unnest(c."tags") t WHERE lower(t) = ${tag.toLowerCase()})`;
}

/** A line item's category of the kind, resolved through its product as `lineItemType` is (vendors only from products). */
const LINE_CATEGORY: Record<Exclude<CategoryKind, "collection">, SqlFragment> = {
  productType: lineItemType,
  vendor: sql`CASE WHEN p."deletedAt" IS NULL THEN p."vendor" END`,
};

/**
 * Whether an order (o) has a line of the category. Collections: the line's product is in a live
 * collection of that title (ProductCollection, re-read from Shopify), unless the product is deleted;
 * as `resolveLineCollections` in affinity.ts.
 */
function orderHasCategorySql(kind: CategoryKind, name: string): SqlFragment {
  if (kind === "collection")
    return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(o."lineItems") item
        JOIN "ProductCollection" pc ON pc."shopId" = o."shopId" AND pc."productId" = (item->>'productId')::bigint
        JOIN "Collection" k ON k."shopId" = pc."shopId" AND k."shopifyId" = pc."collectionId" AND k."deletedAt" IS NULL
        LEFT JOIN "Product" p ON p."shopId" = pc."shopId" AND p."shopifyId" = pc."productId"
        WHERE p."deletedAt" IS NULL AND lower(k."title") = ${name.toLowerCase()})`;
  return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(o."lineItems") item
        LEFT JOIN "Product" p ON p."shopId" = o."shopId" AND p."shopifyId" = (item->>'productId')::bigint
        WHERE lower(${LINE_CATEGORY[kind]}) = ${name.toLowerCase()})`;
}

/** Distinct live orders in the window with at least one line of the category (a refunded order still counts). */
function ordersWithSql(kind: CategoryKind, name: string, days: number, env: SqlEnv): SqlFragment {
  const since = new Date(env.now.getTime() - days * DAY_MS);
  return sql`(SELECT count(*)::float8 FROM "Order" o
    WHERE ${liveOrders} AND o."processedAt" >= ${since} AND o."processedAt" <= ${env.now}
      AND ${orderHasCategorySql(kind, name)})`;
}

/** The stored top category (CustomerScore), compared as the compute compares it; no top category is never "is". */
const TOP_COLUMN: Record<CategoryKind, string> = {
  productType: `s."topProductType"`,
  vendor: `s."topVendor"`,
  collection: `s."topCollection"`,
};
function topIsSql(kind: CategoryKind, name: string): SqlFragment {
  return sql`COALESCE(lower(${rawSql(TOP_COLUMN[kind])}) = ${name.toLowerCase()}, false)`;
}

function inSegmentSql(key: string): SqlFragment {
  return sql`EXISTS (SELECT 1 FROM "Membership" mm WHERE mm."shopId" = c."shopId" AND mm."customerId" = c."id" AND mm."segmentKey" = ${key})`;
}

/** The customer's lifetime live orders (the compute's scorable orders). */
const lifetimeOrders = (select: string) => sql`(SELECT ${rawSql(select)} FROM "Order" o WHERE ${liveOrders})`;

/** Share of orders with a discount, or of spend before discounts that was discounted; NULL without orders. */
const DISCOUNT_SHARE_SQL = {
  orders: lifetimeOrders(`count(*) FILTER (WHERE o."totalDiscounts" > 0)::float8 / NULLIF(count(*), 0)::float8`),
  // Whole cents on both sides, as the compute sums them: the division is then the same IEEE one.
  spend: lifetimeOrders(
    `(COALESCE(sum(o."totalDiscounts"), 0) * 100)::float8 / NULLIF(COALESCE(sum(o."totalPrice" + o."totalDiscounts"), 0) * 100, 0)::float8`,
  ),
};

const FULL_PRICE_SQL = sql`(EXISTS (SELECT 1 FROM "Order" o WHERE ${liveOrders})
  AND NOT EXISTS (SELECT 1 FROM "Order" o WHERE ${liveOrders} AND o."totalDiscounts" > 0))`;

function channelShareSql(channel: string): SqlFragment {
  return sql`(SELECT count(*) FILTER (WHERE o."channel" = ${channel.trim().toLowerCase()})::float8 / NULLIF(count(*), 0)::float8
    FROM "Order" o WHERE ${liveOrders})`;
}

function channelOrdersSql(channel: string, days: number, env: SqlEnv): SqlFragment {
  const since = new Date(env.now.getTime() - days * DAY_MS);
  return sql`(SELECT count(*)::float8 FROM "Order" o
    WHERE ${liveOrders} AND o."channel" = ${channel.trim().toLowerCase()} AND o."processedAt" >= ${since} AND o."processedAt" <= ${env.now})`;
}

/** The Customer column each attribute reads: the keyed hash for address parts (personal data). */
export const ATTRIBUTE_COLUMNS: Record<CustomerAttribute, string> = {
  country: "countryLookup",
  province: "provinceLookup",
  city: "cityLookup",
  emailMarketing: "emailMarketingState",
  smsMarketing: "smsMarketingState",
};

function attributeIsSql(attribute: CustomerAttribute, value: string, env: SqlEnv): SqlFragment {
  const column = rawSql(`c."${ATTRIBUTE_COLUMNS[attribute]}"`);
  return isLookupAttribute(attribute)
    ? sql`COALESCE(${column} = ANY(${env.lookups(attribute, value)}::text[]), false)`
    : sql`COALESCE(lower(${column}) = ${value.trim().toLowerCase()}, false)`;
}

// ---- The fields -----------------------------------------------------------------------------

/** `phrase` is how descriptions name the field ("total spent"); the builder capitalises it. */
function numberField(
  phrase: string,
  read: (context: RuleContext) => Float64Array,
  expression: (env: SqlEnv) => SqlFragment,
): FieldSpec<ConditionOf<RuleField>> {
  return {
    kind: "number",
    label: phrase[0].toUpperCase() + phrase.slice(1),
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number",
    days: "none",
    read: (_c, context) => read(context),
    evaluate: (c, context) => compare(read(context), c.op, c.value),
    // NULL (no prediction) never matches, as NaN in `compare`.
    sql: (c, env) => sql`COALESCE(${expression(env)} ${rawSql(SQL_OPS[c.op])} ${c.value}, false)`,
    describe: (c) => `${phrase} ${OPERATORS[c.op].words} ${c.value}`,
  };
}

function windowField(
  label: string,
  read: (context: RuleContext, days: number) => Float64Array,
  total: SqlFragment,
  describe: (c: ConditionOf<"spend" | "orderCount">) => string,
): FieldSpec<ConditionOf<"spend" | "orderCount">> {
  return {
    kind: "window",
    label,
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number",
    days: "required",
    read: (c, context) => read(context, c.days),
    evaluate: (c, context) => compare(read(context, c.days), c.op, c.value),
    // The window ends at `now`, as the compute's ends at its as-of instant.
    sql: (c, env) => {
      const since = new Date(env.now.getTime() - c.days * DAY_MS);
      return sql`(SELECT COALESCE(${total}, 0)::float8 FROM "Order" o
        WHERE ${liveOrders} AND o."processedAt" >= ${since} AND o."processedAt" <= ${env.now}) ${rawSql(SQL_OPS[c.op])} ${c.value}`;
    },
    describe,
  };
}

/** "Bought at least N times from X in the last D days": X a product type or vendor, times = distinct orders. */
function categoryOrdersField(
  kind: CategoryKind,
  label: string,
  nameLabel: string,
  describe: (c: ConditionOf<"productTypeOrders" | "vendorOrders" | "collectionOrders">) => string,
): FieldSpec<ConditionOf<"productTypeOrders" | "vendorOrders" | "collectionOrders">> {
  return {
    kind: "window",
    label,
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number (of orders)",
    days: "required",
    name: { label: nameLabel, problem: `name a ${nameLabel.toLowerCase()}` },
    read: (c, context) => context.ordersWith(kind, c.name, c.days),
    evaluate: (c, context) => compare(context.ordersWith(kind, c.name, c.days), c.op, c.value),
    sql: (c, env) => sql`${ordersWithSql(kind, c.name, c.days, env)} ${rawSql(SQL_OPS[c.op])} ${c.value}`,
    describe,
  };
}

const CATEGORY_NOUN: Record<CategoryKind, string> = {
  productType: "product type",
  vendor: "vendor",
  collection: "collection",
};

function topCategoryField(
  kind: CategoryKind,
  phrase: string,
): FieldSpec<ConditionOf<"topProductType" | "topVendor" | "topCollection">> {
  return {
    kind: "choice",
    label: phrase[0].toUpperCase() + phrase.slice(1),
    ops: ["is", "isNot"],
    value: "text",
    valueProblem: `name a ${CATEGORY_NOUN[kind]}`,
    days: "none",
    evaluate: (c, context) => {
      const mask = context.topCategoryIs(kind, c.value);
      return c.op === "is" ? mask : invert(mask);
    },
    sql: (c) => (c.op === "is" ? topIsSql(kind, c.value) : sql`NOT ${topIsSql(kind, c.value)}`),
    describe: (c) => `${phrase} ${OPERATORS[c.op].words} ${c.value}`,
  };
}

function attributeField(
  attribute: CustomerAttribute,
  phrase: string,
  example: string,
): FieldSpec<ConditionOf<CustomerAttribute>> {
  return {
    kind: "choice",
    label: phrase[0].toUpperCase() + phrase.slice(1),
    ops: ["is", "isNot"],
    value: "text",
    valueProblem: `name a ${phrase} (e.g. ${example})`,
    days: "none",
    evaluate: (c, context) => {
      const mask = context.attributeIs(attribute, c.value);
      return c.op === "is" ? mask : invert(mask);
    },
    sql: (c, env) =>
      c.op === "is" ? attributeIsSql(attribute, c.value, env) : sql`NOT ${attributeIsSql(attribute, c.value, env)}`,
    describe: (c) => `${phrase} ${OPERATORS[c.op].words} ${c.value}`,
  };
}

function discountShareField(of: "orders" | "spend", phrase: string): FieldSpec<ConditionOf<"discountedOrderShare">> {
  return {
    kind: "number",
    label: phrase[0].toUpperCase() + phrase.slice(1),
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number (a share from 0 to 1)",
    days: "none",
    read: (_c, context) => context.discountShare(of),
    evaluate: (c, context) => compare(context.discountShare(of), c.op, c.value),
    sql: (c) => sql`COALESCE(${DISCOUNT_SHARE_SQL[of]} ${rawSql(SQL_OPS[c.op])} ${c.value}, false)`,
    describe: (c) => `${phrase} ${OPERATORS[c.op].words} ${c.value}`,
  };
}

const CHANNEL_NAME = {
  label: "Channel (online, pos, draft or other)",
  problem: "name a channel: online, pos, draft or other",
};

const feature = (name: RuleField) => (context: RuleContext) => context.feature(name);
const column = (text: string) => () => rawSql(text);

/** Every field a rule condition can name, keyed by its `field`. */
export const FIELD_TABLE: { [F in RuleCondition["field"]]: FieldSpec<ConditionOf<F>> } = {
  orders: numberField("number of orders", feature("orders"), column(`s."orderCount"`)),
  totalSpend: numberField(
    "total spent",
    (context) => cents(context.feature("totalSpend")),
    column(`s."totalSpent"::float8`),
  ),
  averageOrderValue: numberField(
    "average order value",
    (context) => divide(cents(context.feature("totalSpend")), context.feature("orders")),
    column(`(s."totalSpent"::float8 / NULLIF(s."orderCount", 0))`),
  ),
  recencyDays: numberField("days since last order", feature("recencyDays"), column(`s."recencyDays"`)),
  // Whole shop-local days: firstOrderAt is the start of the first order's day in the shop's zone.
  tenureDays: numberField(
    "days since first order",
    feature("tenureDays"),
    (env) => sql`floor(EXTRACT(EPOCH FROM (${env.now}::timestamp - s."firstOrderAt")) / 86400)::float8`,
  ),
  interPurchaseDays: numberField(
    "average days between orders",
    feature("interPurchaseDays"),
    column(`s."interPurchaseDays"`),
  ),
  pAlive: numberField("probability still active", feature("pAlive"), column(`s."pAlive"`)),
  churnRisk: numberField("churn risk", feature("churnRisk"), column(`s."churnRisk"`)),
  expectedOrders: numberField(
    "expected orders (next 90 days)",
    feature("expectedOrders"),
    column(`s."expectedOrders"`),
  ),
  expectedOrderValue: numberField("expected order value", feature("expectedOrderValue"), column(`s."expectedAov"`)),
  clv: numberField("predicted lifetime value", feature("clv"), column(`s."clv"`)),
  rfmRecency: numberField("RFM recency score", feature("rfmRecency"), column(`s."r"`)),
  rfmFrequency: numberField("RFM frequency score", feature("rfmFrequency"), column(`s."f"`)),
  rfmMonetary: numberField("RFM monetary score", feature("rfmMonetary"), column(`s."m"`)),
  spend: windowField(
    "Spent in the last … days",
    (context, days) => cents(context.windowed("spend", days)),
    sql`sum(GREATEST(0, o."totalPrice" - o."totalRefunded"))`,
    (c) => `spent ${OPERATORS[c.op].words} ${c.value} in the last ${c.days} days`,
  ),
  orderCount: windowField(
    "Orders in the last … days",
    (context, days) => context.windowed("orderCount", days),
    sql`count(*)`,
    (c) => `ordered ${OPERATORS[c.op].words} ${c.value} times in the last ${c.days} days`,
  ),
  productType: {
    kind: "choice",
    label: "Product type",
    ops: ["bought", "notBought"],
    value: "text",
    valueProblem: "name a product type",
    days: "optional",
    evaluate: (c, context) => {
      const mask = context.boughtProductType(c.value, c.days);
      return c.op === "bought" ? mask : invert(mask);
    },
    sql: (c, env) => {
      const bought = boughtProductTypeSql(c.value, c.days, env);
      return c.op === "bought" ? bought : sql`NOT ${bought}`;
    },
    describe: (c) => `${OPERATORS[c.op].words} ${c.value}${c.days ? ` in the last ${c.days} days` : ""}`,
  },
  tag: {
    kind: "choice",
    label: "Customer tag",
    ops: ["has", "hasNot"],
    value: "text",
    valueProblem: "name a tag",
    days: "none",
    evaluate: (c, context) => {
      const mask = context.hasTag(c.value);
      return c.op === "has" ? mask : invert(mask);
    },
    sql: (c) => (c.op === "has" ? hasTagSql(c.value) : sql`NOT ${hasTagSql(c.value)}`),
    describe: (c) => `${OPERATORS[c.op].words} ${c.value}`,
  },
  segment: {
    kind: "choice",
    label: "Segment",
    ops: ["in", "notIn"],
    value: "segmentKey",
    valueProblem: "name a segment key",
    days: "none",
    evaluate: (c, context) => {
      const mask = context.inSegment(c.value);
      return c.op === "in" ? mask : invert(mask);
    },
    sql: (c) => (c.op === "in" ? inSegmentSql(c.value) : sql`NOT ${inSegmentSql(c.value)}`),
    describe: (c) => `${OPERATORS[c.op].words} segment ${c.value}`,
  },
  productTypeOrders: categoryOrdersField(
    "productType",
    "Orders with product type … in the last … days",
    "Product type",
    (c) => `bought ${c.name} ${OPERATORS[c.op].words} ${c.value} times in the last ${c.days} days`,
  ),
  vendorOrders: categoryOrdersField(
    "vendor",
    "Orders from vendor … in the last … days",
    "Vendor",
    (c) => `bought from ${c.name} ${OPERATORS[c.op].words} ${c.value} times in the last ${c.days} days`,
  ),
  collectionOrders: categoryOrdersField(
    "collection",
    "Orders from collection … in the last … days",
    "Collection",
    (c) => `bought from collection ${c.name} ${OPERATORS[c.op].words} ${c.value} times in the last ${c.days} days`,
  ),
  topProductType: topCategoryField("productType", "top product type"),
  topVendor: topCategoryField("vendor", "top vendor"),
  topCollection: topCategoryField("collection", "top collection"),
  discountedOrderShare: discountShareField("orders", "share of orders with a discount"),
  discountedSpendShare: discountShareField("spend", "share of spend discounted"),
  fullPriceBuyer: {
    kind: "choice",
    label: "Full-price buyer (never used a discount)",
    ops: ["is", "isNot"],
    value: "flag",
    valueProblem: "value must be true",
    days: "none",
    evaluate: (c, context) => (c.op === "is" ? context.fullPriceBuyer() : invert(context.fullPriceBuyer())),
    sql: (c) => (c.op === "is" ? FULL_PRICE_SQL : sql`NOT ${FULL_PRICE_SQL}`),
    describe: (c) => (c.op === "is" ? "full-price buyer" : "not a full-price buyer"),
  },
  channelShare: {
    kind: "number",
    label: "Share of orders in channel …",
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number (a share from 0 to 1)",
    days: "none",
    name: CHANNEL_NAME,
    read: (c, context) => context.channelShare(c.name),
    evaluate: (c, context) => compare(context.channelShare(c.name), c.op, c.value),
    sql: (c) => sql`COALESCE(${channelShareSql(c.name)} ${rawSql(SQL_OPS[c.op])} ${c.value}, false)`,
    describe: (c) =>
      c.op === "=" && c.value === 1
        ? `only ${c.name} orders`
        : `share of ${c.name} orders ${OPERATORS[c.op].words} ${c.value}`,
  },
  channelOrders: {
    kind: "window",
    label: "Orders in channel … in the last … days",
    ops: NUMERIC_OPS,
    value: "number",
    valueProblem: "value must be a number (of orders)",
    days: "required",
    name: CHANNEL_NAME,
    read: (c, context) => context.channelOrders(c.name, c.days),
    evaluate: (c, context) => compare(context.channelOrders(c.name, c.days), c.op, c.value),
    sql: (c, env) => sql`${channelOrdersSql(c.name, c.days, env)} ${rawSql(SQL_OPS[c.op])} ${c.value}`,
    describe: (c) => `ordered ${OPERATORS[c.op].words} ${c.value} times via ${c.name} in the last ${c.days} days`,
  },
  country: attributeField("country", "country", "US"),
  province: attributeField("province", "province", "ON"),
  city: attributeField("city", "city", "Toronto"),
  emailMarketing: attributeField("emailMarketing", "email marketing", "SUBSCRIBED"),
  smsMarketing: attributeField("smsMarketing", "SMS marketing", "SUBSCRIBED"),
};

export type ConditionField = keyof typeof FIELD_TABLE;

export function isConditionField(field: unknown): field is ConditionField {
  return typeof field === "string" && Object.prototype.hasOwnProperty.call(FIELD_TABLE, field);
}

/** The field's spec, typed for any condition (the table's own typing is per field). */
export function fieldSpec(field: ConditionField): FieldSpec {
  return FIELD_TABLE[field] as unknown as FieldSpec;
}
