import { describe, expect, it } from "vitest";
import {
  affinityKey,
  affinityMembership,
  affinitySegments,
  ordersWithCategory,
  ProductLinesBuilder,
  resolveLine,
  resolveLineCollections,
  topCategories,
  type ProductLines,
} from "~/segmentation/affinity";

const DAY = 86_400_000;
const AS_OF = Date.UTC(2026, 10, 1, 12);

type Line = [productType: string | null, vendor: string | null, amount: number];
interface TestOrder {
  customer: number;
  daysAgo: number;
  net: number;
  lines: Line[];
}

function linesOf(orders: TestOrder[], customers: number): ProductLines {
  const builder = new ProductLinesBuilder();
  orders.forEach((o, i) => {
    for (const [productType, vendor, amount] of o.lines)
      builder.add(String(i), o.customer, AS_OF - o.daysAgo * DAY, o.net, { productType, vendor, amount });
  });
  return builder.build(customers);
}

describe("resolveLine", () => {
  it("takes the product's type and vendor as they are now, none once deleted, the line's type while unknown", () => {
    expect(resolveLine({ productType: "Coffee", vendor: "Acme", deleted: false }, "Tea")).toEqual({
      productType: "Coffee",
      vendor: "Acme",
    });
    expect(resolveLine({ productType: "Coffee", vendor: "Acme", deleted: true }, "Tea")).toEqual({
      productType: null,
      vendor: null,
    });
    expect(resolveLine(undefined, "Tea")).toEqual({ productType: "Tea", vendor: null });
    expect(resolveLine({ productType: null, vendor: null, deleted: false }, "Tea")).toEqual({
      productType: null,
      vendor: null,
    });
  });
});

describe("topCategories", () => {
  it("splits each order's net value over its lines by amount and picks the largest, net of refunds", () => {
    const lines = linesOf(
      [
        // Customer 0: 30 of coffee and 10 of tea at full price; then a tea order half refunded (net 25 of 50).
        {
          customer: 0,
          daysAgo: 40,
          net: 40,
          lines: [
            ["Coffee", "Roastery", 30],
            ["Tea", "Leaf Co", 10],
          ],
        },
        { customer: 0, daysAgo: 10, net: 25, lines: [["tea", "Leaf Co", 50]] },
        // Customer 1: a discounted order (net 45 of 60 listed): 3/4 of each line.
        {
          customer: 1,
          daysAgo: 5,
          net: 45,
          lines: [
            ["Mugs", "Potter", 40],
            ["Coffee", "Roastery", 20],
          ],
        },
        // Customer 2: only untyped lines; customer 3: nothing.
        { customer: 2, daysAgo: 5, net: 10, lines: [[null, null, 10]] },
      ],
      4,
    );
    const top = topCategories(lines);
    const typeName = (c: number) =>
      top.productType.category[c] >= 0 ? lines.names.productType[top.productType.category[c]] : null;
    // Tea 10 + 25 = 35 beats coffee 30; "tea" and "Tea" are one type, shown as first spelled.
    expect(typeName(0)).toBe("Tea");
    expect(top.productType.spend[0]).toBe(35);
    expect(typeName(1)).toBe("Mugs");
    expect(top.productType.spend[1]).toBe(30);
    expect([typeName(2), typeName(3)]).toEqual([null, null]);
    expect(top.vendor.category[0]).toBe(lines.find("vendor", "leaf co"));
    expect(top.vendor.spend[1]).toBe(30);
  });

  it("breaks ties by name, whatever order the lines came in, and splits evenly when every line is free", () => {
    const forward = linesOf(
      [
        {
          customer: 0,
          daysAgo: 1,
          net: 20,
          lines: [
            ["Tea", null, 10],
            ["Coffee", null, 10],
          ],
        },
        {
          customer: 1,
          daysAgo: 1,
          net: 9,
          lines: [
            ["Zines", null, 0],
            ["Books", null, 0],
            ["Books", null, 0],
          ],
        },
      ],
      2,
    );
    const top = topCategories(forward);
    expect(forward.names.productType[top.productType.category[0]]).toBe("Coffee");
    expect(forward.names.productType[top.productType.category[1]]).toBe("Books");
    expect(top.productType.spend[1]).toBe(6);
  });
});

describe("ordersWithCategory", () => {
  const lines = linesOf(
    [
      // Two sourdough lines in one order count once.
      {
        customer: 0,
        daysAgo: 3,
        net: 12,
        lines: [
          ["Sourdough", "Bakehouse", 6],
          ["Sourdough", "Bakehouse", 6],
        ],
      },
      { customer: 0, daysAgo: 20, net: 6, lines: [["sourdough", "Bakehouse", 6]] },
      // Fully refunded: still a purchase.
      { customer: 0, daysAgo: 29, net: 0, lines: [["Sourdough", "Bakehouse", 6]] },
      { customer: 0, daysAgo: 31, net: 6, lines: [["Sourdough", "Bakehouse", 6]] },
      { customer: 1, daysAgo: 2, net: 5, lines: [["Rye", "Bakehouse", 5]] },
    ],
    3,
  );

  it("counts distinct orders with a line of the product type in the window, case-insensitively", () => {
    expect(Array.from(ordersWithCategory(lines, "productType", "SOURDOUGH", 30, AS_OF))).toEqual([3, 0, 0]);
    expect(Array.from(ordersWithCategory(lines, "productType", "sourdough", 400, AS_OF))).toEqual([4, 0, 0]);
    expect(Array.from(ordersWithCategory(lines, "vendor", "bakehouse", 30, AS_OF))).toEqual([3, 1, 0]);
    expect(Array.from(ordersWithCategory(lines, "productType", "Baguette", 30, AS_OF))).toEqual([0, 0, 0]);
  });

  it("includes the window's first and last instant (asOf − days ≤ time ≤ asOf)", () => {
    const edge = linesOf(
      [
        { customer: 0, daysAgo: 30, net: 1, lines: [["Rye", null, 1]] },
        { customer: 1, daysAgo: -1 / 24, net: 1, lines: [["Rye", null, 1]] },
        { customer: 2, daysAgo: 0, net: 1, lines: [["Rye", null, 1]] },
      ],
      3,
    );
    expect(Array.from(ordersWithCategory(edge, "productType", "rye", 30, AS_OF))).toEqual([1, 0, 1]);
  });
});

describe("affinity segments", () => {
  /** `sizes[t]` customers whose only purchase is product type `types[t]`, the lines in the given order. */
  function shop(types: string[], sizes: number[], order: "forward" | "reverse" = "forward") {
    const orders: TestOrder[] = [];
    let customer = 0;
    types.forEach((type, t) => {
      for (let k = 0; k < sizes[t]; k++)
        orders.push({ customer: customer++, daysAgo: 1, net: 10, lines: [[type, null, 10]] });
    });
    const lines = linesOf(order === "forward" ? orders : orders.reverse(), customer);
    return { lines, top: topCategories(lines).productType, customers: customer };
  }

  it("names a segment after its product type and keys it by the name, not by its rank", () => {
    const { lines, top, customers } = shop(["Coffee", "Tea", "Mugs"], [120, 80, 20]);
    const segments = affinitySegments(top, lines.names.productType, customers);
    expect(segments).toEqual([
      { key: "affinity-coffee", name: "Coffee lovers", productType: "Coffee", members: 120 },
      { key: "affinity-tea", name: "Tea lovers", productType: "Tea", members: 80 },
    ]);
    const membership = affinityMembership(top, lines.names.productType, segments);
    expect(membership.filter((k) => k === "affinity-coffee")).toHaveLength(120);
    expect(membership.filter((k) => k === null)).toHaveLength(20);
  });

  it("keeps every key when the categories are recomputed, reordered, or change rank", () => {
    const first = shop(["Coffee", "Tea", "Mugs"], [120, 80, 60]);
    const again = shop(["Coffee", "Tea", "Mugs"], [120, 80, 60]);
    const reordered = shop(["Mugs", "Tea", "Coffee"], [60, 80, 120], "reverse");
    const reranked = shop(["Coffee", "Tea", "Mugs"], [60, 80, 200]);
    const keys = (s: ReturnType<typeof shop>) =>
      Object.fromEntries(
        affinitySegments(s.top, s.lines.names.productType, s.customers).map((x) => [x.productType, x.key]),
      );
    const expected = { Coffee: "affinity-coffee", Tea: "affinity-tea", Mugs: "affinity-mugs" };
    expect(keys(first)).toEqual(expected);
    expect(keys(again)).toEqual(expected);
    expect(keys(reordered)).toEqual(expected);
    expect(keys(reranked)).toEqual(expected);
    // Ranks changed (Mugs first now), keys did not.
    expect(affinitySegments(reranked.top, reranked.lines.names.productType, reranked.customers)[0].productType).toBe(
      "Mugs",
    );
  });

  it("gives a category no segment below max(50 customers, 2 % of customers), and at most 10", () => {
    const small = shop(["Coffee", "Tea"], [50, 49]);
    expect(
      affinitySegments(small.top, small.lines.names.productType, small.customers).map((s) => s.productType),
    ).toEqual(["Coffee"]);
    // 2 % of 5,000 scored customers is 100.
    expect(affinitySegments(small.top, small.lines.names.productType, 5000)).toEqual([]);
    const many = shop(
      Array.from({ length: 12 }, (_, i) => `Type ${String.fromCharCode(65 + i)}`),
      Array.from({ length: 12 }, (_, i) => 60 + i),
    );
    const capped = affinitySegments(many.top, many.lines.names.productType, many.customers);
    expect(capped).toHaveLength(10);
    expect(capped.map((s) => s.members)).toEqual([71, 70, 69, 68, 67, 66, 65, 64, 63, 62]);
  });

  it("tells apart names that slug alike, keeping the plain key for the alphabetically first", () => {
    // "t shirts" sorts before "t-shirts".
    expect(affinityKey("T Shirts", ["T-Shirts", "T Shirts"])).toBe("affinity-t-shirts");
    expect(affinityKey("T-Shirts", ["T-Shirts", "T Shirts"])).toMatch(/^affinity-t-shirts-[0-9a-f]{6}$/);
    expect(affinityKey("T-Shirts")).toBe("affinity-t-shirts");
    expect(affinityKey("Café & Crème")).toBe("affinity-cafe-creme");
    expect(affinityKey("☕")).toMatch(/^affinity-[0-9a-f]{6}$/);
    expect(affinityKey("☕")).toBe(affinityKey("☕"));
  });
});

describe("collections", () => {
  /** Orders of [customer, daysAgo, net, lines of [collections, amount]]. */
  function collectionLines(orders: [number, number, number, [string[], number][]][], customers: number) {
    const builder = new ProductLinesBuilder();
    orders.forEach(([customer, daysAgo, net, lines], i) => {
      for (const [collections, amount] of lines)
        builder.add(String(i), customer, AS_OF - daysAgo * DAY, net, {
          productType: null,
          vendor: null,
          collections,
          amount,
        });
    });
    return builder.build(customers);
  }

  it("resolves a line's collections through its product: none once the product is deleted", () => {
    expect(resolveLineCollections({ productType: null, vendor: null, deleted: false }, ["Sale"])).toEqual(["Sale"]);
    expect(resolveLineCollections({ productType: null, vendor: null, deleted: true }, ["Sale"])).toEqual([]);
    expect(resolveLineCollections(undefined, ["Sale"])).toEqual(["Sale"]);
    expect(resolveLineCollections(undefined, undefined)).toEqual([]);
  });

  it("counts a line in full for each of its collections, titles alike once, and picks the top one by net spend", () => {
    const lines = collectionLines(
      [
        // Customer 0: 30 in Summer + Sale, 10 in Sale only (net 40): Sale 40, Summer 30.
        [
          0,
          10,
          40,
          [
            [["Summer", "Sale", "sale"], 30],
            [["Sale"], 10],
          ],
        ],
        // Customer 1: 20 in Summer, refunded to 10; 15 in Gifts.
        [1, 5, 10, [[["Summer"], 20]]],
        [1, 300, 15, [[["Gifts"], 15]]],
        // Customer 2: lines in no collection.
        [2, 5, 50, [[[], 50]]],
      ],
      3,
    );
    const top = topCategories(lines).collection;
    const name = (c: number) => (top.category[c] >= 0 ? lines.names.collection[top.category[c]] : null);
    expect([name(0), top.spend[0]]).toEqual(["Sale", 40]);
    expect([name(1), top.spend[1]]).toEqual(["Gifts", 15]);
    expect(name(2)).toBeNull();

    expect(Array.from(ordersWithCategory(lines, "collection", "SALE", 30, AS_OF))).toEqual([1, 0, 0]);
    expect(Array.from(ordersWithCategory(lines, "collection", "summer", 30, AS_OF))).toEqual([1, 1, 0]);
    expect(Array.from(ordersWithCategory(lines, "collection", "gifts", 30, AS_OF))).toEqual([0, 0, 0]);
    expect(Array.from(ordersWithCategory(lines, "collection", "gifts", 365, AS_OF))).toEqual([0, 1, 0]);
  });
});
