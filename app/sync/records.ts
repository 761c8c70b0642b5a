// Turns what Shopify sends (REST-shaped webhook payloads, GraphQL bulk JSONL lines) into the
// rows we store. Pure functions: no database, no HTTP. Malformed input throws RecordError,
// naming the field, so a bad event is recorded as failed instead of half-applied.

export class RecordError extends Error {
  override name = "RecordError";
}

export interface LineItemSummary {
  id: string;
  productId: string | null;
  productType: string | null;
  quantity: number;
  amount: number;
}

export interface OrderRow {
  shopifyId: bigint;
  customerShopifyId: bigint | null;
  name: string | null;
  processedAt: Date;
  shopifyCreatedAt: Date | null;
  shopifyUpdatedAt: Date;
  cancelledAt: Date | null;
  test: boolean;
  financialStatus: string | null;
  currency: string;
  presentmentCurrency: string | null;
  totalPrice: string;
  subtotalPrice: string | null;
  /** refund id → amount refunded, in shop currency */
  refunds: Record<string, string>;
  lineItems: LineItemSummary[];
}

export interface CustomerRow {
  shopifyId: bigint;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** null when the source does not carry tags (webhook payloads since API 2025-01). */
  tags: string[] | null;
  state: string | null;
  shopifyCreatedAt: Date | null;
  shopifyUpdatedAt: Date | null;
}

type Json = Record<string, unknown>;

/** Numeric id from a number, numeric string or `gid://shopify/Type/123`. */
export function shopifyId(value: unknown, field = "id"): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return BigInt(value);
  if (typeof value === "string") {
    const match = /^(?:gid:\/\/shopify\/\w+\/)?(\d+)(?:\?.*)?$/.exec(value);
    if (match) return BigInt(match[1]);
  }
  throw new RecordError(`${field} is not a Shopify id: ${JSON.stringify(value)}`);
}

const optionalId = (value: unknown, field: string) => (value == null ? null : shopifyId(value, field));

function date(value: unknown, field: string): Date {
  const parsed = typeof value === "string" ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new RecordError(`${field} is not a date: ${JSON.stringify(value)}`);
  return parsed;
}

const optionalDate = (value: unknown, field: string) => (value == null ? null : date(value, field));

// Every amount we read (order totals, prices, refund transactions) is non-negative on Shopify
// (a refund is its own positive transaction), so a negative one is a malformed payload, never
// an order worth −50 that would quietly lower its customer's spend.
function amount(value: unknown, field: string): string {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^-?\d+(\.\d+)?$/.test(text.trim())) {
    throw new RecordError(`${field} is not an amount: ${JSON.stringify(value)}`);
  }
  if (Number(text) < 0) throw new RecordError(`${field} is negative: ${JSON.stringify(value)}`);
  return Number(text).toFixed(2);
}

const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
const obj = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});

function shopMoney(set: unknown, field: string): string {
  return amount(obj(obj(set).shopMoney ?? obj(set).shop_money).amount, `${field}.shopMoney.amount`);
}

/** An order as a webhook (orders/create, orders/updated, orders/cancelled) delivers it. */
export function orderFromWebhook(payload: Json): OrderRow {
  const totalSet = obj(payload.total_price_set);
  const shopTotal = Number(amount(payload.total_price ?? obj(totalSet.shop_money).amount, "total_price"));
  const presentmentTotal = Number(obj(totalSet.presentment_money).amount ?? shopTotal);
  // Refund transactions are in the presentment currency; convert at the order's own rate.
  const rate = presentmentTotal > 0 ? shopTotal / presentmentTotal : 1;
  const refunds: Record<string, string> = {};
  for (const refund of Array.isArray(payload.refunds) ? payload.refunds : []) {
    const r = obj(refund);
    refunds[String(shopifyId(r.id, "refunds[].id"))] = refundAmount(r, rate);
  }
  const updatedAt = date(payload.updated_at, "updated_at");
  return {
    shopifyId: shopifyId(payload.id),
    customerShopifyId: optionalId(obj(payload.customer).id, "customer.id"),
    name: str(payload.name),
    processedAt: payload.processed_at ? date(payload.processed_at, "processed_at") : date(payload.created_at, "created_at"),
    shopifyCreatedAt: optionalDate(payload.created_at, "created_at"),
    shopifyUpdatedAt: updatedAt,
    cancelledAt: optionalDate(payload.cancelled_at, "cancelled_at"),
    test: payload.test === true,
    financialStatus: str(payload.financial_status),
    currency: str(payload.currency) ?? "USD",
    presentmentCurrency: str(payload.presentment_currency),
    totalPrice: shopTotal.toFixed(2),
    subtotalPrice: payload.subtotal_price == null ? null : amount(payload.subtotal_price, "subtotal_price"),
    refunds,
    lineItems: (Array.isArray(payload.line_items) ? payload.line_items : []).map((item, i) => {
      const li = obj(item);
      const quantity = Number(li.quantity ?? 0);
      return {
        id: String(shopifyId(li.id, `line_items[${i}].id`)),
        productId: li.product_id == null ? null : String(shopifyId(li.product_id, `line_items[${i}].product_id`)),
        productType: str(li.product_type),
        quantity,
        amount: Math.round(Number(amount(li.price ?? 0, `line_items[${i}].price`)) * quantity * 100) / 100,
      };
    }),
  };
}

/** Shop-currency amount of a refund (refunds/create payload or an element of order.refunds). */
export function refundAmount(refund: Json, rateToShop: number): string {
  let total = 0;
  for (const t of Array.isArray(refund.transactions) ? refund.transactions : []) {
    const tx = obj(t);
    if (tx.kind === "refund" && tx.status === "success") total += Number(amount(tx.amount, "transactions[].amount"));
  }
  return (total * rateToShop).toFixed(2);
}

/** An order line from the bulk JSONL (GraphQL shape). Line items arrive as separate lines. */
export function orderFromBulk(node: Json, shopCurrency: string): OrderRow {
  const refunds: Record<string, string> = {};
  for (const refund of Array.isArray(node.refunds) ? node.refunds : []) {
    const r = obj(refund);
    refunds[String(shopifyId(r.id, "refunds[].id"))] = shopMoney(r.totalRefundedSet, "refunds[].totalRefundedSet");
  }
  return {
    shopifyId: shopifyId(node.id),
    customerShopifyId: optionalId(obj(node.customer).id, "customer.id"),
    name: str(node.name),
    processedAt: date(node.processedAt ?? node.createdAt, "processedAt"),
    shopifyCreatedAt: optionalDate(node.createdAt, "createdAt"),
    shopifyUpdatedAt: date(node.updatedAt, "updatedAt"),
    cancelledAt: optionalDate(node.cancelledAt, "cancelledAt"),
    test: node.test === true,
    financialStatus: str(node.displayFinancialStatus)?.toLowerCase() ?? null,
    currency: str(node.currencyCode) ?? shopCurrency,
    presentmentCurrency: str(node.presentmentCurrencyCode),
    totalPrice: shopMoney(node.totalPriceSet, "totalPriceSet"),
    subtotalPrice: node.subtotalPriceSet ? shopMoney(node.subtotalPriceSet, "subtotalPriceSet") : null,
    refunds,
    lineItems: [],
  };
}

export function lineItemFromBulk(node: Json): LineItemSummary {
  const product = obj(node.product);
  return {
    id: String(shopifyId(node.id, "lineItem.id")),
    productId: product.id == null ? null : String(shopifyId(product.id, "product.id")),
    productType: str(product.productType),
    quantity: Number(node.quantity ?? 0),
    amount: Number(shopMoney(node.originalTotalSet, "originalTotalSet")),
  };
}

export function customerFromWebhook(payload: Json): CustomerRow {
  return {
    shopifyId: shopifyId(payload.id),
    email: str(payload.email),
    firstName: str(payload.first_name),
    lastName: str(payload.last_name),
    tags: typeof payload.tags === "string" ? splitTags(payload.tags) : null,
    state: str(payload.state),
    shopifyCreatedAt: optionalDate(payload.created_at, "created_at"),
    shopifyUpdatedAt: optionalDate(payload.updated_at, "updated_at"),
  };
}

export function customerFromBulk(node: Json): CustomerRow {
  return {
    shopifyId: shopifyId(node.id),
    email: str(node.email),
    firstName: str(node.firstName),
    lastName: str(node.lastName),
    tags: Array.isArray(node.tags) ? node.tags.filter((t): t is string => typeof t === "string") : [],
    state: str(node.state)?.toLowerCase() ?? null,
    shopifyCreatedAt: optionalDate(node.createdAt, "createdAt"),
    shopifyUpdatedAt: optionalDate(node.updatedAt, "updatedAt"),
  };
}

export const splitTags = (tags: string) => tags.split(",").map((t) => t.trim()).filter(Boolean);

/** The merchant's own tags: ours (with the app's prefixes) are left out so they never loop back. */
export function merchantTags(tags: string[], appPrefixes: string[]): string[] {
  const lower = appPrefixes.map((p) => p.toLowerCase());
  return tags.filter((tag) => !lower.some((p) => tag.toLowerCase().startsWith(p)));
}
