import { withPgConnection, type Db } from "~/db.server";
import { copyField, copyOut } from "~/db/copy-out.server";
import { Prisma, type Segment } from "~/generated/prisma/client";
import { customersMatchingSql } from "~/segmentation/rule-sql";
import { ATTRIBUTE_COLUMNS } from "~/segmentation/rule-fields";
import { isLookupAttribute, type CustomerAttribute } from "~/segmentation/rule-types";
import { personalData, ruleSqlEnv } from "~/privacy/personal-data.server";
import {
  channelIndex,
  channelOrdersInWindow,
  CHANNELS,
  customerSignals,
  shareOf,
  type CustomerSignals,
  type OrderSignals,
} from "~/segmentation/signals";
import {
  evaluateRule,
  parseRule,
  RuleError,
  ruleEvaluationOrder,
  ruleOf,
  type Rule,
  type RuleCondition,
  type RuleContext,
  type RuleField,
  type RuleNode,
} from "~/segmentation/rules";
import type { TransactionColumns } from "~/segmentation/types";
import {
  ordersWithCategory,
  topCategories,
  type CategoryKind,
  type ProductLines,
  type TopCategory,
} from "~/segmentation/affinity";

// Builds the columns rule segments are evaluated on, aligned with one analysis's customers.
// Windowed sums come from the transactions already in memory; what the rules ask of product
// types and tags is loaded from SQL up front (one query per distinct condition), so evaluation
// itself stays synchronous and columnar.

export interface RuleContextInput {
  db: Db;
  shopId: number;
  /** Customer.id per analysed customer, as strings (engine order). */
  customerIds: string[];
  /** Position of each analysed customer in `transactions.customerIds`. */
  sourceIndex: Int32Array;
  transactions: TransactionColumns;
  feature: (field: RuleField) => Float64Array;
  inSegment: (key: string) => Uint8Array;
  asOf: number;
  /** The same orders' lines (aligned with `transactions`): categories bought, top categories. */
  lines: ProductLines;
  /** `topCategories(lines)`, when the caller has it already. */
  top?: Record<CategoryKind, TopCategory>;
  /** The same orders' discounts and channels (aligned with `transactions`). */
  signals: OrderSignals;
  /** `customerSignals(signals)`, when the caller has it already. */
  customerSignals?: CustomerSignals;
}

const ATTRIBUTES = Object.keys(ATTRIBUTE_COLUMNS) as CustomerAttribute[];

/**
 * The analysed customers' attributes as dictionary-coded columns: address parts by their keyed
 * hashes (the plaintext is sealed), marketing states lower-cased. One read of the shop's customers
 * (or of the few analysed ones) serves all conditions.
 */
async function loadAttributes(input: RuleContextInput, indexById: Map<string, number>) {
  const n = input.customerIds.length;
  const columns = Object.fromEntries(ATTRIBUTES.map((a) => [a, new Int32Array(n).fill(-1)])) as Record<
    CustomerAttribute,
    Int32Array
  >;
  const dictionary = new Map<string, number>();
  const code = (attribute: CustomerAttribute, value: string | null) => {
    if (value === null || value === "") return -1;
    const key = isLookupAttribute(attribute) ? value : value.toLowerCase();
    let id = dictionary.get(key);
    if (id === undefined) dictionary.set(key, (id = dictionary.size));
    return id;
  };
  const select = ATTRIBUTES.map((a) => `"${ATTRIBUTE_COLUMNS[a]}"`).join(", ");
  const add = (id: string, values: (string | null)[]) => {
    const c = indexById.get(id);
    if (c === undefined) return;
    ATTRIBUTES.forEach((a, k) => (columns[a][c] = code(a, values[k])));
  };
  if (n > 100) {
    // A whole shop: one streamed single-table read (as the orders are loaded), no row objects.
    if (!Number.isSafeInteger(input.shopId)) throw new RangeError(`invalid shop id ${input.shopId}`);
    await withPgConnection(input.db, (client) =>
      copyOut(
        client,
        `SELECT "id", ${select} FROM "Customer" WHERE "shopId" = ${input.shopId} AND "deletedAt" IS NULL`,
        (f) => add(f[0], f.slice(1).map(copyField)),
      ),
    );
  } else {
    const rows = await input.db.$queryRawUnsafe<{ f: (string | null)[] }[]>(
      `SELECT ARRAY["id"::text, ${select}] AS f FROM "Customer" WHERE "shopId" = $1 AND "id" = ANY($2::bigint[])`,
      input.shopId,
      input.customerIds,
    );
    for (const row of rows) add(row.f[0]!, row.f.slice(1));
  }
  // The codes a condition's value may be stored under: one per key in use for address parts.
  const find = (attribute: CustomerAttribute, value: string): number[] => {
    const keys = isLookupAttribute(attribute)
      ? personalData().lookups(input.shopId, attribute, value)
      : [value.trim().toLowerCase()];
    return keys.map((key) => dictionary.get(key)).filter((id): id is number => id !== undefined);
  };
  return { columns, find };
}

const DAY = 86_400_000;

function conditionsOf(node: RuleNode, out: RuleCondition[] = []): RuleCondition[] {
  if ("all" in node) node.all.forEach((child) => conditionsOf(child, out));
  else if ("any" in node) node.any.forEach((child) => conditionsOf(child, out));
  else out.push(node);
  return out;
}

export async function buildRuleContext(input: RuleContextInput, rules: Rule[]): Promise<RuleContext> {
  const n = input.customerIds.length;
  const indexById = new Map<string, number>();
  input.customerIds.forEach((id, i) => indexById.set(id, i));
  const toAnalysed = new Int32Array(input.transactions.customerIds.length).fill(-1);
  for (let c = 0; c < n; c++) toAnalysed[input.sourceIndex[c]] = c;
  const mask = (ids: bigint[]) => {
    const out = new Uint8Array(n);
    for (const id of ids) {
      const c = indexById.get(id.toString());
      if (c !== undefined) out[c] = 1;
    }
    return out;
  };

  const productMasks = new Map<string, Uint8Array>();
  const tagMasks = new Map<string, Uint8Array>();
  for (const condition of rules.flatMap((rule) => conditionsOf(rule))) {
    if (condition.field !== "productType" && condition.field !== "tag") continue;
    const key =
      condition.field === "productType"
        ? `${condition.value.toLowerCase()}|${condition.days ?? ""}`
        : condition.value.toLowerCase();
    const masks = condition.field === "productType" ? productMasks : tagMasks;
    if (masks.has(key)) continue;
    const query = customersMatchingSql(input.shopId, condition, ruleSqlEnv(input.shopId, new Date(input.asOf)));
    const rows = await input.db.$queryRaw<{ id: bigint }[]>(new Prisma.Sql(query.strings, query.values));
    masks.set(key, mask(rows.map((r) => r.id)));
  }

  // Per-customer columns of the lines, moved from the transactions' order to the analysed one.
  const analysed = (column: ArrayLike<number>) => {
    const out = new Float64Array(n);
    for (let c = 0; c < n; c++) out[c] = column[input.sourceIndex[c]];
    return out;
  };
  let top = input.top;
  let signals = input.customerSignals;
  const perCustomer = () => (signals ??= customerSignals(input.signals));
  const needsAttributes = rules
    .flatMap((rule) => conditionsOf(rule))
    .some((c) => (ATTRIBUTES as string[]).includes(c.field));
  const attributes = needsAttributes ? await loadAttributes(input, indexById) : null;

  return {
    count: n,
    feature: input.feature,
    ordersWith: (kind, name, days) => analysed(ordersWithCategory(input.lines, kind, name, days, input.asOf)),
    topCategoryIs(kind, name) {
      top ??= topCategories(input.lines);
      const wanted = input.lines.find(kind, name);
      const out = new Uint8Array(n);
      if (wanted < 0) return out;
      const category = top[kind].category;
      for (let c = 0; c < n; c++) out[c] = category[input.sourceIndex[c]] === wanted ? 1 : 0;
      return out;
    },
    discountShare: (of) => {
      const s = perCustomer();
      return analysed(of === "orders" ? shareOf(s.discountedOrders, s.orders) : shareOf(s.discountCents, s.grossCents));
    },
    fullPriceBuyer() {
      const s = perCustomer();
      const out = new Uint8Array(n);
      for (let c = 0; c < n; c++) {
        const i = input.sourceIndex[c];
        out[c] = s.orders[i] > 0 && s.discountedOrders[i] === 0 ? 1 : 0;
      }
      return out;
    },
    channelShare(channel) {
      const s = perCustomer();
      const wanted = channelIndex(channel);
      // An unknown channel has no orders: a share of 0 for every customer with orders.
      const count = wanted < 0 ? new Float64Array(s.orders.length) : s.channelOrders[CHANNELS[wanted]];
      return analysed(shareOf(count, s.orders));
    },
    channelOrders: (channel, days) => analysed(channelOrdersInWindow(input.signals, channel, days, input.asOf)),
    attributeIs(attribute, value) {
      const out = new Uint8Array(n);
      if (!attributes) return out;
      const wanted = attributes.find(attribute, value);
      const column = attributes.columns[attribute];
      for (const code of wanted) for (let c = 0; c < n; c++) if (column[c] === code) out[c] = 1;
      return out;
    },
    inSegment: input.inSegment,
    windowed(field, days) {
      const since = input.asOf - days * DAY;
      const out = new Float64Array(n);
      const { customer, time, amount } = input.transactions;
      for (let row = 0; row < customer.length; row++) {
        if (time[row] < since || time[row] > input.asOf) continue;
        const c = toAnalysed[customer[row]];
        if (c >= 0) out[c] += field === "spend" ? amount[row] : 1;
      }
      return out;
    },
    boughtProductType: (type, days) => productMasks.get(`${type.toLowerCase()}|${days ?? ""}`) ?? new Uint8Array(n),
    hasTag: (tag) => tagMasks.get(tag.toLowerCase()) ?? new Uint8Array(n),
  };
}

export interface RuleSegments {
  segments: Segment[];
  /** The valid rules, by segment key. */
  rules: { key: string; rule: Rule }[];
  /** Why a stored rule is invalid, by segment key: reported, never fatal. */
  errors: Record<string, string>;
}

/** The shop's rule segments, each rule validated again as it is used. */
export async function loadRuleSegments(db: Db, shopId: number): Promise<RuleSegments> {
  const segments = await db.segment.findMany({ where: { shopId, kind: "RULE" } });
  const rules: RuleSegments["rules"] = [];
  const errors: Record<string, string> = {};
  for (const segment of segments) {
    try {
      rules.push({ key: segment.key, rule: parseRule(ruleOf(segment.definition)) });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      errors[segment.key] = error.message;
    }
  }
  // Rules that select each other's members have no answer: reported like any invalid rule.
  const { cycles } = ruleEvaluationOrder(rules);
  for (const [key, cycle] of cycles) errors[key] = `rule: segments ${cycle.join(" → ")} select each other's members`;
  return { segments, rules: rules.filter((r) => !cycles.has(r.key)), errors };
}

/** Which of the input's customers each rule selects (a mask per segment key). */
export async function evaluateRuleSegments(
  input: RuleContextInput,
  rules: RuleSegments["rules"],
): Promise<Map<string, Uint8Array>> {
  const members = new Map<string, Uint8Array>();
  if (rules.length === 0) return members;
  const context = await buildRuleContext(
    input,
    rules.map((r) => r.rule),
  );
  // A rule may select another rule segment's members: evaluate that one first and use its result.
  const ruleContext: RuleContext = { ...context, inSegment: (key) => members.get(key) ?? context.inSegment(key) };
  const byKey = new Map(rules.map((r) => [r.key, r.rule]));
  for (const key of ruleEvaluationOrder(rules).order) members.set(key, evaluateRule(byKey.get(key)!, ruleContext));
  return members;
}
