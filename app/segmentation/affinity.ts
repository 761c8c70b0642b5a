// Product affinity: what each customer buys, by product type, vendor and collection. Pure: the
// compute streams the shop's order lines in (one pass, orders in id order), this turns them into
// per-customer columns (top product type, vendor and collection by net spend), per-category order counts in a
// window (the rule field "bought at least N times from X in the last D days") and the shop's
// automatic affinity segments ("Coffee lovers").

import { nameKey } from "./segment-names";

export type CategoryKind = "productType" | "vendor" | "collection";
export const CATEGORY_KINDS: readonly CategoryKind[] = ["productType", "vendor", "collection"];
/** Kinds with one category a line at most; a line's product can be in any number of collections. */
type SingleKind = Exclude<CategoryKind, "collection">;

/** A stored product as the lines resolve it; `deleted` products have no type or vendor any more. */
export interface ProductInfo {
  productType: string | null;
  vendor: string | null;
  deleted: boolean;
}

/**
 * A line's product type and vendor: its product's as it is now (order webhooks carry no type, and
 * a retyped product retypes past purchases); none once the product is deleted; while the product
 * is unknown, the type the bulk export stored on the line and no vendor. The SQL side
 * (rule-fields.ts, `lineItemType`) resolves the same way.
 */
export function resolveLine(
  product: ProductInfo | undefined,
  lineProductType: string | null,
): { productType: string | null; vendor: string | null } {
  if (!product) return { productType: lineProductType || null, vendor: null };
  if (product.deleted) return { productType: null, vendor: null };
  return { productType: product.productType || null, vendor: product.vendor || null };
}

/**
 * A line's collections: its product's live collections (titles) as they are now; none once the
 * product is deleted. The SQL side (rule-fields.ts, `lineInCollectionSql`) resolves the same way.
 */
export function resolveLineCollections(
  product: ProductInfo | undefined,
  collections: readonly string[] | undefined,
): readonly string[] {
  if (product?.deleted) return [];
  return collections ?? [];
}

/** Distinct names compared as PostgreSQL's lower() does; the first spelling seen is shown. */
class Dictionary {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  id(name: string | null): number {
    if (name === null || name === "") return -1;
    const key = name.toLowerCase();
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.names.push(name) - 1));
    return id;
  }
  find(name: string): number {
    return this.ids.get(name.toLowerCase()) ?? -1;
  }
}

/** A shop's order lines as columns: orders (with their customer, time and net value) and their lines. */
export interface ProductLines {
  /** Customers are indices into the transaction columns' `customerIds`. */
  customerCount: number;
  orderCustomer: Int32Array;
  orderTime: Float64Array;
  /** Order value net of refunds, as the engine's spend. */
  orderNet: Float64Array;
  /** Lines of order o are lineStart[o] … lineStart[o + 1] − 1. */
  lineStart: Int32Array;
  lineAmount: Float64Array;
  lineCategory: Record<SingleKind, Int32Array>;
  /** Collections of line l are lineCollections[lineCollectionStart[l] … lineCollectionStart[l + 1] − 1], distinct. */
  lineCollectionStart: Int32Array;
  lineCollections: Int32Array;
  names: Record<CategoryKind, string[]>;
  find(kind: CategoryKind, name: string): number;
}

/** Accumulates lines, one order after another (lines of one order arrive together). */
export class ProductLinesBuilder {
  private readonly dictionaries: Record<CategoryKind, Dictionary> = {
    productType: new Dictionary(),
    vendor: new Dictionary(),
    collection: new Dictionary(),
  };
  private orders = { customer: [] as number[], time: [] as number[], net: [] as number[], start: [] as number[] };
  private lines = {
    amount: [] as number[],
    productType: [] as number[],
    vendor: [] as number[],
    collectionStart: [] as number[],
    collections: [] as number[],
  };
  private lastOrder: string | null = null;

  /** `order` identifies the order (its lines must be consecutive); `customer` indexes the transactions' customers. */
  add(
    order: string,
    customer: number,
    time: number,
    net: number,
    line: { productType: string | null; vendor: string | null; amount: number; collections?: readonly string[] },
  ): void {
    if (order !== this.lastOrder) {
      this.lastOrder = order;
      this.orders.customer.push(customer);
      this.orders.time.push(time);
      this.orders.net.push(net);
      this.orders.start.push(this.lines.amount.length);
    }
    this.lines.amount.push(Number.isFinite(line.amount) && line.amount > 0 ? line.amount : 0);
    this.lines.productType.push(this.dictionaries.productType.id(line.productType));
    this.lines.vendor.push(this.dictionaries.vendor.id(line.vendor));
    this.lines.collectionStart.push(this.lines.collections.length);
    const collections = this.lines.collections;
    const start = collections.length;
    for (const name of line.collections ?? []) {
      const id = this.dictionaries.collection.id(name);
      if (id < 0) continue;
      // Two collections titled alike are one category: the line counts once for it.
      let seen = false;
      for (let j = start; j < collections.length && !seen; j++) seen = collections[j] === id;
      if (!seen) collections.push(id);
    }
  }

  build(customerCount: number): ProductLines {
    const dictionaries = this.dictionaries;
    return {
      customerCount,
      orderCustomer: Int32Array.from(this.orders.customer),
      orderTime: Float64Array.from(this.orders.time),
      orderNet: Float64Array.from(this.orders.net),
      lineStart: Int32Array.from([...this.orders.start, this.lines.amount.length]),
      lineAmount: Float64Array.from(this.lines.amount),
      lineCategory: {
        productType: Int32Array.from(this.lines.productType),
        vendor: Int32Array.from(this.lines.vendor),
      },
      lineCollectionStart: Int32Array.from([...this.lines.collectionStart, this.lines.collections.length]),
      lineCollections: Int32Array.from(this.lines.collections),
      names: {
        productType: dictionaries.productType.names,
        vendor: dictionaries.vendor.names,
        collection: dictionaries.collection.names,
      },
      find: (kind, name) => dictionaries[kind].find(name),
    };
  }
}

export const emptyProductLines = (customerCount: number): ProductLines =>
  new ProductLinesBuilder().build(customerCount);

/** Each customer's top category of one kind by net spend (-1: none bought), with that spend. */
export interface TopCategory {
  category: Int32Array;
  spend: Float64Array;
}

/**
 * Each customer's top product type and top vendor by net spend. An order's net value (total less
 * refunds, as the engine counts spend) is split over its lines in proportion to their amounts
 * (price × quantity; evenly when they are all 0), so discounts and refunds lower every line of the
 * order alike and a customer's categories add up to their spend. Ties go to the name first in
 * alphabetical order. Linear: the orders are bucketed by customer, then each customer's lines are
 * summed into a scratch row of the categories they touched.
 */
export function topCategories(lines: ProductLines): Record<CategoryKind, TopCategory> {
  const n = lines.customerCount;
  const orderCount = lines.orderCustomer.length;
  const byCustomerStart = new Int32Array(n + 1);
  for (let o = 0; o < orderCount; o++) byCustomerStart[lines.orderCustomer[o] + 1]++;
  for (let c = 0; c < n; c++) byCustomerStart[c + 1] += byCustomerStart[c];
  const fill = byCustomerStart.slice(0, n);
  const ordersOf = new Int32Array(orderCount);
  for (let o = 0; o < orderCount; o++) ordersOf[fill[lines.orderCustomer[o]]++] = o;

  const result = {} as Record<CategoryKind, TopCategory>;
  for (const kind of CATEGORY_KINDS) {
    const names = lines.names[kind].map((name) => name.toLowerCase());
    const { values, single } = categoryValues(lines, kind);
    const bounds = lines.lineCollectionStart;
    const scratch = new Float64Array(names.length);
    const seen = new Uint8Array(names.length);
    const touched: number[] = [];
    const top = new Int32Array(n).fill(-1);
    const spend = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      for (let k = byCustomerStart[c]; k < byCustomerStart[c + 1]; k++) {
        const o = ordersOf[k];
        const start = lines.lineStart[o];
        const end = lines.lineStart[o + 1];
        let total = 0;
        for (let l = start; l < end; l++) total += lines.lineAmount[l];
        for (let l = start; l < end; l++) {
          const share = total > 0 ? lines.lineAmount[l] / total : 1 / (end - start);
          // A line counts in full for each of its categories (a product in two collections adds its
          // spend to both); types and vendors have one a line at most.
          const to = single ? l + 1 : bounds[l + 1];
          for (let j = single ? l : bounds[l]; j < to; j++) {
            const t = values[j];
            if (t < 0) continue;
            if (!seen[t]) {
              seen[t] = 1;
              touched.push(t);
            }
            scratch[t] += lines.orderNet[o] * share;
          }
        }
      }
      let best = -1;
      let bestSpend = 0;
      for (const t of touched) {
        const s = Math.round(scratch[t] * 100) / 100;
        if (s > bestSpend || (s === bestSpend && best >= 0 && s > 0 && names[t] < names[best])) {
          best = t;
          bestSpend = s;
        }
        scratch[t] = 0;
        seen[t] = 0;
      }
      touched.length = 0;
      top[c] = best;
      spend[c] = bestSpend;
    }
    result[kind] = { category: top, spend };
  }
  return result;
}

/**
 * Per customer, the number of distinct orders with at least one line of the category placed
 * asOf − days ≤ time ≤ asOf (the other windowed fields' window), whatever the order's refunds:
 * a refunded order was still a purchase, as for "orders in the last N days".
 */
export function ordersWithCategory(
  lines: ProductLines,
  kind: CategoryKind,
  name: string,
  days: number,
  asOf: number,
): Float64Array {
  const out = new Float64Array(lines.customerCount);
  const wanted = lines.find(kind, name);
  if (wanted < 0) return out;
  const since = asOf - days * 86_400_000;
  const { values, single } = categoryValues(lines, kind);
  const bounds = lines.lineCollectionStart;
  for (let o = 0; o < lines.orderCustomer.length; o++) {
    const time = lines.orderTime[o];
    if (time < since || time > asOf) continue;
    // Lines of order o map to values[from(first line) … to(last line)), contiguously for both layouts.
    const from = single ? lines.lineStart[o] : bounds[lines.lineStart[o]];
    const to = single ? lines.lineStart[o + 1] : bounds[lines.lineStart[o + 1]];
    for (let j = from; j < to; j++) {
      if (values[j] === wanted) {
        out[lines.orderCustomer[o]]++;
        break;
      }
    }
  }
  return out;
}

/** The category ids of a kind: one per line (types, vendors), or per line a range (collections). */
function categoryValues(lines: ProductLines, kind: CategoryKind): { values: Int32Array; single: boolean } {
  return kind === "collection"
    ? { values: lines.lineCollections, single: false }
    : { values: lines.lineCategory[kind], single: true };
}

// ---- Automatic affinity segments -----------------------------------------------------------

/** When a product type gets its own segment: enough customers for whom it is the top type. */
export const AFFINITY_RULES = {
  /** At least this many customers … */
  minCustomers: 50,
  /** … and at least this share of the shop's scored customers. */
  minShare: 0.02,
  /** At most this many segments, the largest first. */
  maxSegments: 10,
} as const;

export interface AffinitySegment {
  key: string;
  name: string;
  /** The product type as first spelled in the shop's lines; members are matched case-insensitively. */
  productType: string;
  members: number;
}

const KEY_PREFIX = "affinity-";
const MAX_SLUG = 60;

function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG)
    .replace(/-+$/, "");
}

/** FNV-1a, 32 bits, as 6 hex digits: a short, stable tell-apart for look-alike names. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0").slice(0, 6);
}

/**
 * A product type's segment key, from its name (never its rank), so recomputes and reorderings keep
 * tags and Shopify segments: "Coffee" → affinity-coffee. Names that slug alike ("T-Shirts",
 * "T Shirts") are told apart by a hash of the name on all but the alphabetically first of them
 * among `siblings` (the types that get segments in the run); names without letters or digits
 * get the hash alone.
 */
export function affinityKey(productType: string, siblings: readonly string[] = [productType]): string {
  const name = productType.toLowerCase();
  const slug = slugOf(productType);
  if (slug === "") return `${KEY_PREFIX}${shortHash(name)}`;
  const alike = siblings
    .map((s) => s.toLowerCase())
    .filter((s) => s !== name && slugOf(s) === slug)
    .sort();
  return alike.length > 0 && alike[0] < name ? `${KEY_PREFIX}${slug}-${shortHash(name)}` : `${KEY_PREFIX}${slug}`;
}

export function affinityName(productType: string): string {
  return `${productType.trim()} lovers`;
}

/**
 * The shop's affinity segments for one run: product types that are the top type of at least
 * max(minCustomers, minShare × scored customers) customers, the `maxSegments` largest (ties by
 * name). A type that falls below the minimum or out of the largest loses its segment in that run
 * (its members leave; the push takes back its tags and Shopify segment), as a cluster that is
 * no longer found does.
 */
export function affinitySegments(
  top: TopCategory,
  names: readonly string[],
  scoredCustomers: number,
  rules: { minCustomers: number; minShare: number; maxSegments: number } = AFFINITY_RULES,
): AffinitySegment[] {
  const counts = new Float64Array(names.length);
  for (let c = 0; c < top.category.length; c++) if (top.category[c] >= 0) counts[top.category[c]]++;
  const floor = Math.max(rules.minCustomers, Math.ceil(rules.minShare * scoredCustomers));
  const chosen = names
    .map((name, t) => ({ name, members: counts[t] }))
    .filter((s) => s.members >= floor && nameKey(s.name) !== "")
    .sort((a, b) => b.members - a.members || (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))
    .slice(0, rules.maxSegments);
  const siblings = chosen.map((s) => s.name);
  return chosen.map((s) => ({
    key: affinityKey(s.name, siblings),
    name: affinityName(s.name),
    productType: s.name,
    members: s.members,
  }));
}

/**
 * The affinity segment key of each customer (null: none), given the segments that exist: a
 * customer belongs to the segment of their top product type, compared case-insensitively.
 */
export function affinityMembership(
  top: TopCategory,
  names: readonly string[],
  segments: readonly { key: string; productType: string }[],
): (string | null)[] {
  const keyOf = new Map(segments.map((s) => [s.productType.toLowerCase(), s.key]));
  const keyOfCategory = names.map((name) => keyOf.get(name.toLowerCase()) ?? null);
  return Array.from(top.category, (t) => (t >= 0 ? keyOfCategory[t] : null));
}

/** Each customer's top categories in another customer order (`sourceIndex[c]` = c's index in the lines). */
export function reindexTop(
  top: Record<CategoryKind, TopCategory>,
  sourceIndex: Int32Array,
): Record<CategoryKind, TopCategory> {
  const out = {} as Record<CategoryKind, TopCategory>;
  for (const kind of CATEGORY_KINDS) {
    const category = new Int32Array(sourceIndex.length);
    const spend = new Float64Array(sourceIndex.length);
    for (let c = 0; c < sourceIndex.length; c++) {
      category[c] = top[kind].category[sourceIndex[c]] ?? -1;
      spend[c] = top[kind].spend[sourceIndex[c]] ?? 0;
    }
    out[kind] = { category, spend };
  }
  return out;
}

/** The stored form of top categories: names (null: none) and spends (NaN: none). */
export function topColumns(lines: ProductLines, top: Record<CategoryKind, TopCategory>) {
  const column = (kind: CategoryKind) => ({
    names: Array.from(top[kind].category, (t) => (t >= 0 ? lines.names[kind][t] : null)),
    spend: Float64Array.from(top[kind].category, (t, c) => (t >= 0 ? top[kind].spend[c] : NaN)),
  });
  const productType = column("productType");
  const vendor = column("vendor");
  const collection = column("collection");
  return {
    topProductType: productType.names,
    topProductTypeSpend: productType.spend,
    topVendor: vendor.names,
    topVendorSpend: vendor.spend,
    topCollection: collection.names,
    topCollectionSpend: collection.spend,
  };
}
