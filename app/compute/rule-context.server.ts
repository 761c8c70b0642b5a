import type { Db } from "~/db.server";
import type { Segment } from "~/generated/prisma/client";
import { evaluateRule, parseRule, RuleError, ruleOf, type Rule, type RuleCondition, type RuleContext, type RuleField, type RuleNode } from "~/segmentation/rules";
import type { TransactionColumns } from "~/segmentation/types";

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
    if (condition.field === "productType") {
      const key = `${condition.value.toLowerCase()}|${condition.days ?? ""}`;
      if (productMasks.has(key)) continue;
      const since = condition.days ? new Date(input.asOf - condition.days * DAY) : null;
      const rows = await input.db.$queryRaw<{ id: bigint }[]>`
        SELECT DISTINCT c."id" FROM "Order" o
        JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"
        CROSS JOIN LATERAL jsonb_array_elements(o."lineItems") item
        WHERE o."shopId" = ${input.shopId} AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL
          AND lower(item->>'productType') = ${condition.value.toLowerCase()}
          AND (${since}::timestamp IS NULL OR o."processedAt" >= ${since}::timestamp)`;
      productMasks.set(key, mask(rows.map((r) => r.id)));
    } else if (condition.field === "tag") {
      const key = condition.value.toLowerCase();
      if (tagMasks.has(key)) continue;
      const rows = await input.db.$queryRaw<{ id: bigint }[]>`
        SELECT "id" FROM "Customer"
        WHERE "shopId" = ${input.shopId} AND EXISTS (SELECT 1 FROM unnest("tags") t WHERE lower(t) = ${key})`;
      tagMasks.set(key, mask(rows.map((r) => r.id)));
    }
  }

  return {
    count: n,
    feature: input.feature,
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
  return { segments, rules, errors };
}

/** Which of the input's customers each rule selects (a mask per segment key). */
export async function evaluateRuleSegments(input: RuleContextInput, rules: RuleSegments["rules"]): Promise<Map<string, Uint8Array>> {
  const members = new Map<string, Uint8Array>();
  if (rules.length === 0) return members;
  const context = await buildRuleContext(input, rules.map((r) => r.rule));
  for (const { key, rule } of rules) members.set(key, evaluateRule(rule, context));
  return members;
}
