// The rule language's types: the AST a stored rule parses to and the columns it is evaluated over.
// Apart from rules.ts so that the field table (rule-fields.ts) and the evaluator share them
// without importing each other.

import type { CategoryKind } from "./affinity";

export type NumericOp = ">" | ">=" | "<" | "<=" | "=" | "!=";

/** Per-customer numbers a rule can compare: engine feature names (see FIELD_TABLE for labels). */
export type RuleField =
  | "orders"
  | "totalSpend"
  | "averageOrderValue"
  | "recencyDays"
  | "tenureDays"
  | "interPurchaseDays"
  | "pAlive"
  | "churnRisk"
  | "expectedOrders"
  | "expectedOrderValue"
  | "clv"
  | "rfmRecency"
  | "rfmFrequency"
  | "rfmMonetary";

export type RuleCondition =
  | { field: RuleField; op: NumericOp; value: number }
  /** Spend or orders within the last `days` days. */
  | { field: "spend" | "orderCount"; op: NumericOp; value: number; days: number }
  | { field: "productType"; op: "bought" | "notBought"; value: string; days?: number }
  | { field: "tag"; op: "has" | "hasNot"; value: string }
  | { field: "segment"; op: "in" | "notIn"; value: string }
  /** Orders with a line of the product type (vendor, collection) `name` within the last `days` days ("bought sourdough at least twice in the last month"). */
  | {
      field: "productTypeOrders" | "vendorOrders" | "collectionOrders";
      op: NumericOp;
      value: number;
      days: number;
      name: string;
    }
  /** The customer's top product type (vendor, collection) by net spend. */
  | { field: "topProductType" | "topVendor" | "topCollection"; op: "is" | "isNot"; value: string }
  /** Share of the customer's orders with a discount, or of their spend before discounts that was discounted (0–1). */
  | { field: "discountedOrderShare" | "discountedSpendShare"; op: NumericOp; value: number }
  /** Ordered at least once and never with a discount. */
  | { field: "fullPriceBuyer"; op: "is" | "isNot"; value: true }
  /** Share of the customer's orders placed in the channel `name` (online, pos, draft, other). */
  | { field: "channelShare"; op: NumericOp; value: number; name: string }
  /** Orders in the channel `name` within the last `days` days. */
  | { field: "channelOrders"; op: NumericOp; value: number; days: number; name: string }
  /** The default address's country / province code / city, or the email / SMS marketing state (case-insensitive). */
  | { field: CustomerAttribute; op: "is" | "isNot"; value: string };

/** What a rule can read off the customer's own record (Customer columns). */
export type CustomerAttribute = "country" | "province" | "city" | "emailMarketing" | "smsMarketing";
/** The attributes that are personal data (address parts): stored sealed, compared by keyed hash. */
export type LookupAttribute = "country" | "province" | "city";
export const LOOKUP_ATTRIBUTES: readonly LookupAttribute[] = ["country", "province", "city"];
export const isLookupAttribute = (a: CustomerAttribute): a is LookupAttribute =>
  (LOOKUP_ATTRIBUTES as readonly string[]).includes(a);

export type Rule = { all: RuleNode[] } | { any: RuleNode[] };
export type RuleNode = Rule | RuleCondition;

export interface RuleContext {
  count: number;
  feature(field: RuleField): Float64Array;
  windowed(field: "spend" | "orderCount", days: number): Float64Array;
  boughtProductType(productType: string, days: number | undefined): Uint8Array;
  hasTag(tag: string): Uint8Array;
  inSegment(key: string): Uint8Array;
  /** Per customer, distinct orders with a line of the category in the last `days` days. */
  ordersWith(kind: CategoryKind, name: string, days: number): Float64Array;
  /** 1 where the customer's top category of the kind is `name` (case-insensitive). */
  topCategoryIs(kind: CategoryKind, name: string): Uint8Array;
  /** Per customer, the share of orders with a discount ("orders") or of spend before discounts discounted ("spend"); NaN without orders. */
  discountShare(of: "orders" | "spend"): Float64Array;
  /** 1 where the customer has orders and none of them had a discount. */
  fullPriceBuyer(): Uint8Array;
  /** Per customer, the share of their orders in the channel (NaN without orders). */
  channelShare(channel: string): Float64Array;
  /** Per customer, orders in the channel in the last `days` days. */
  channelOrders(channel: string, days: number): Float64Array;
  /** 1 where the customer's attribute equals `value` (case-insensitive); never for a missing one. */
  attributeIs(attribute: CustomerAttribute, value: string): Uint8Array;
}
