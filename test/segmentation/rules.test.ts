import { describe, expect, it } from "vitest";
import { ruleSql } from "~/segmentation/rule-sql";
import {
  describeRule,
  evaluateRule,
  ruleEvaluationOrder,
  validateRule,
  type Rule,
  type RuleContext,
  type RuleField,
} from "~/segmentation/rules";
import { sql, sqlText } from "~/segmentation/sql-fragment";

// The pure rule language: validation driven by the field table, the TypeScript evaluator's
// edge cases, evaluation order between rule segments, and the SQL fragments it compiles to.

function contextOf(columns: Partial<Record<RuleField, number[]>>, count: number): RuleContext {
  const empty = () => new Uint8Array(count);
  return {
    count,
    feature: (field) => Float64Array.from(columns[field] ?? new Array<number>(count).fill(0)),
    windowed: () => new Float64Array(count),
    boughtProductType: empty,
    hasTag: empty,
    inSegment: empty,
    ordersWith: () => new Float64Array(count),
    topCategoryIs: empty,
    discountShare: () => new Float64Array(count),
    fullPriceBuyer: empty,
    channelShare: () => new Float64Array(count),
    channelOrders: () => new Float64Array(count),
    attributeIs: empty,
  };
}

describe("validateRule", () => {
  it("names every problem in the merchant's words, per field kind", () => {
    expect(
      validateRule({
        all: [
          { field: "nope", op: ">", value: 1 },
          { field: "clv", op: "bought", value: "x" },
          { field: "spend", op: ">", value: 10 },
          { field: "tag", op: ">", value: " " },
          { field: "segment", op: "in", value: "Not A Key" },
          { field: "productType", op: "bought", value: "Tea", days: 0 },
        ],
      }),
    ).toEqual([
      'rule.all[0]: unknown field "nope"',
      "rule.all[1] (clv): comparison must be one of > >= < <= = !=",
      "rule.all[1] (clv): value must be a number",
      "rule.all[2] (spend): say over how many days (days)",
      "rule.all[3] (tag): use has or hasNot",
      "rule.all[3] (tag): name a tag",
      "rule.all[4] (segment): name a segment key",
      "rule.all[5] (productType): days must be a whole number from 1 to 3650",
    ]);
    expect(
      validateRule({
        any: [
          { field: "productType", op: "notBought", value: "Tea", days: 30 },
          { all: [{ field: "pAlive", op: "<", value: 0.5 }] },
        ],
      }),
    ).toEqual([]);
  });
});

describe("product affinity fields", () => {
  it("validates the category, the count and the days of 'bought at least N times from X in the last D days'", () => {
    expect(
      validateRule({
        all: [
          { field: "productTypeOrders", op: ">=", value: 2, days: 30 },
          { field: "vendorOrders", op: ">=", value: "two", days: 30, name: "Acme" },
          { field: "productTypeOrders", op: "bought", value: 2, name: "Sourdough" },
          { field: "topProductType", op: "=", value: "" },
          { field: "topVendor", op: "is", value: "Acme" },
        ],
      }),
    ).toEqual([
      "rule.all[0] (productTypeOrders): name a product type",
      "rule.all[1] (vendorOrders): value must be a number (of orders)",
      "rule.all[2] (productTypeOrders): comparison must be one of > >= < <= = !=",
      "rule.all[2] (productTypeOrders): say over how many days (days)",
      "rule.all[3] (topProductType): use is or isNot",
      "rule.all[3] (topProductType): name a product type",
    ]);
  });

  it("writes the seeds' example, 'bought sourdough at least twice in the last month', and says it in words", () => {
    const rule: Rule = {
      all: [
        { field: "productTypeOrders", op: ">=", value: 2, days: 30, name: "Sourdough" },
        { field: "topVendor", op: "isNot", value: "Acme" },
      ],
    };
    expect(validateRule(rule)).toEqual([]);
    expect(describeRule(rule)).toBe("bought Sourdough at least 2 times in the last 30 days and top vendor is not Acme");
    const context: RuleContext = {
      ...contextOf({}, 3),
      ordersWith: (kind, name, days) =>
        kind === "productType" && name === "Sourdough" && days === 30 ? Float64Array.of(1, 2, 3) : new Float64Array(3),
      topCategoryIs: (kind, name) =>
        kind === "vendor" && name === "Acme" ? Uint8Array.of(0, 0, 1) : new Uint8Array(3),
    };
    expect(Array.from(evaluateRule(rule, context))).toEqual([0, 1, 0]);
  });
});

describe("evaluateRule", () => {
  it("never selects a customer without a prediction (NaN), whatever the comparison, as SQL's NULL", () => {
    const context = contextOf({ pAlive: [0.2, NaN, 0.9] }, 3);
    for (const op of [">", ">=", "<", "<=", "=", "!="] as const) {
      const mask = evaluateRule({ all: [{ field: "pAlive", op, value: 0.5 }] }, context);
      expect(mask[1], op).toBe(0);
    }
    expect(Array.from(evaluateRule({ all: [{ field: "pAlive", op: "!=", value: 0.2 }] }, context))).toEqual([0, 0, 1]);
  });

  it("compares money in cents: 0.10 + 0.20 spent is exactly 0.30", () => {
    const context = contextOf({ totalSpend: [0.1 + 0.2], orders: [2] }, 1);
    expect(evaluateRule({ all: [{ field: "totalSpend", op: "=", value: 0.3 }] }, context)[0]).toBe(1);
    expect(evaluateRule({ all: [{ field: "averageOrderValue", op: "=", value: 0.15 }] }, context)[0]).toBe(1);
  });
});

describe("describeRule", () => {
  it("says the rule in words from the field table", () => {
    const rule: Rule = {
      all: [
        { field: "spend", op: ">", value: 500, days: 90 },
        {
          any: [
            { field: "rfmRecency", op: ">=", value: 4 },
            { field: "tag", op: "hasNot", value: "VIP" },
            { field: "productType", op: "notBought", value: "Tea" },
          ],
        },
      ],
    };
    expect(describeRule(rule)).toBe(
      "spent over 500 in the last 90 days and (RFM recency score at least 4 or not tagged VIP or never bought Tea)",
    );
  });
});

describe("ruleEvaluationOrder", () => {
  const selects = (...keys: string[]): Rule => ({
    all: keys.map((value) => ({ field: "segment" as const, op: "in" as const, value })),
  });

  it("puts every rule after the rule segments it selects members of, and sets cycles apart", () => {
    const { order, cycles } = ruleEvaluationOrder([
      { key: "rule-c", rule: selects("rule-b", "rfm-champions") },
      { key: "rule-b", rule: selects("rule-a") },
      { key: "rule-a", rule: { all: [{ field: "clv", op: ">", value: 1 }] } },
      { key: "rule-x", rule: selects("rule-y") },
      { key: "rule-y", rule: selects("rule-x") },
      { key: "rule-self", rule: selects("rule-self") },
      { key: "rule-uses-cycle", rule: selects("rule-x") },
    ]);
    expect(order).toEqual(["rule-a", "rule-b", "rule-c", "rule-uses-cycle"]);
    expect(Object.fromEntries(cycles)).toEqual({
      "rule-x": ["rule-x", "rule-y", "rule-x"],
      "rule-y": ["rule-x", "rule-y", "rule-x"],
      "rule-self": ["rule-self", "rule-self"],
    });
  });
});

describe("SQL fragments", () => {
  it("splices nested fragments and numbers their parameters in order", () => {
    const inner = sql`x = ${1} AND y = ${"two"}`;
    expect(sqlText(sql`SELECT ${inner} OR z = ${3}`)).toEqual({
      text: "SELECT x = $1 AND y = $2 OR z = $3",
      values: [1, "two", 3],
    });
  });

  it("compiles a rule to one boolean expression with the values as parameters, never in the text", () => {
    const now = new Date("2026-11-01T00:00:00Z");
    const { text, values } = sqlText(
      ruleSql(
        {
          any: [
            { field: "clv", op: "!=", value: 100 },
            {
              all: [
                { field: "tag", op: "has", value: "VIP'; --" },
                { field: "orders", op: ">=", value: 2 },
              ],
            },
          ],
        },
        { now, lookups: () => [] },
      ),
    );
    expect(text).toBe(
      '(COALESCE(s."clv" <> $1, false) OR (EXISTS (SELECT 1 FROM unnest(c."tags") t WHERE lower(t) = $2) AND COALESCE(s."orderCount" >= $3, false)))',
    );
    expect(values).toEqual([100, "vip'; --", 2]);
  });
});
