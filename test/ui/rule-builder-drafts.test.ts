import { describe, expect, it } from "vitest";
import { draftsFromRule, ruleFromDrafts } from "~/components/RuleBuilder";
import { validateRule, type Rule } from "~/segmentation/rules";

// The builder's rows and the rule JSON they stand for: fields that name a category (orders with a
// product type or vendor) carry it both ways, and a missing one is named by validation.

describe("rule builder drafts", () => {
  it("round-trips 'bought sourdough at least twice in the last month' with its product type", () => {
    const rule: Rule = { all: [{ field: "productTypeOrders", op: ">=", value: 2, days: 30, name: "Sourdough" }] };
    const { join, drafts } = draftsFromRule(rule);
    expect(drafts).toEqual([{ field: "productTypeOrders", op: ">=", value: "2", days: "30", name: "Sourdough" }]);
    expect(ruleFromDrafts(join, drafts)).toEqual(rule);
  });

  it("sends an empty category for validation to name, and none for fields without one", () => {
    const rule = ruleFromDrafts("all", [
      { field: "vendorOrders", op: ">=", value: "1", days: "60", name: "  " },
      { field: "topProductType", op: "is", value: "Coffee", days: "" },
    ]);
    expect(rule).toEqual({
      all: [
        { field: "vendorOrders", op: ">=", value: 1, days: 60, name: "" },
        { field: "topProductType", op: "is", value: "Coffee" },
      ],
    });
    expect(validateRule(rule)).toEqual(["rule.all[0] (vendorOrders): name a vendor"]);
  });

  it("round-trips the Ontario coffee full-price rule: a province, a channel name, and a yes/no field without a value", () => {
    const rule: Rule = {
      all: [
        { field: "province", op: "is", value: "ON" },
        { field: "productTypeOrders", op: ">=", value: 2, days: 60, name: "Coffee" },
        { field: "fullPriceBuyer", op: "is", value: true },
        { field: "channelShare", op: "=", value: 1, name: "pos" },
      ],
    };
    const { join, drafts } = draftsFromRule(rule);
    expect(ruleFromDrafts(join, drafts)).toEqual(rule);
    expect(validateRule(rule)).toEqual([]);
    // Whatever the value box held before the field changed, a yes/no field sends `true`.
    expect(ruleFromDrafts("all", [{ field: "fullPriceBuyer", op: "isNot", value: "", days: "" }])).toEqual({
      all: [{ field: "fullPriceBuyer", op: "isNot", value: true }],
    });
    expect(validateRule({ all: [{ field: "fullPriceBuyer", op: "is", value: "yes" }] })).toEqual([
      "rule.all[0] (fullPriceBuyer): value must be true",
    ]);
    expect(validateRule({ all: [{ field: "channelShare", op: ">", value: 0.5 }] })).toEqual([
      "rule.all[0] (channelShare): name a channel: online, pos, draft or other",
    ]);
  });
});
