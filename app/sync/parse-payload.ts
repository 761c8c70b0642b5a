// Turns what Shopify sends (REST-shaped webhook payloads, GraphQL bulk JSONL lines) into the
// rows we store. Pure functions: no database, no HTTP. Malformed input throws RecordError,
// naming the field, so a bad event is recorded as failed instead of half-applied.

import { channelOf, type Channel } from "~/segmentation/signals";

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
  /** Discount codes applied (as entered, in Shopify's order). */
  discountCodes: string[];
  /** Amount discounted (order and line discounts), shop currency. */
  totalDiscounts: string;
  /** Shopify's source name ("web", "pos", "shopify_draft_order", an app id) and the channel it maps to. */
  sourceName: string | null;
  channel: Channel | null;
}

/** Where the customer's default address is, minimised: no street lines, no postal code. */
export interface AddressRow {
  countryCode: string | null;
  provinceCode: string | null;
  city: string | null;
}

/** One channel's marketing consent: the state (Shopify's enum, upper case) and when it last changed. */
export interface ConsentRow {
  state: string | null;
  updatedAt: Date | null;
}

export interface CustomerRow {
  shopifyId: bigint;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** null when the source does not carry tags (webhook payloads since API 2025-01). */
  tags: string[] | null;
  /** Shopify's data sale/sharing opt-out; null when the source does not carry it (REST webhook payloads). */
  dataSaleOptOut?: boolean | null;
  shopifyCreatedAt: Date | null;
  shopifyUpdatedAt: Date | null;
  /** The default address; null when the customer has none, undefined when the source does not say. */
  address?: AddressRow | null;
  /** Marketing consent per channel; undefined when the source does not carry it (customer webhooks since API 2025-01). */
  emailConsent?: ConsentRow;
  smsConsent?: ConsentRow;
}

export interface ProductRow {
  shopifyId: bigint;
  title: string | null;
  productType: string | null;
  vendor: string | null;
  shopifyUpdatedAt: Date;
}

export interface CollectionRow {
  shopifyId: bigint;
  title: string | null;
  handle: string | null;
  shopifyUpdatedAt: Date;
}

/** A collection's product, from a `__parentId` line of the collections bulk export. */
export interface CollectionMembershipRow {
  collectionId: bigint;
  productId: bigint;
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
  if (!parsed || Number.isNaN(parsed.getTime()))
    throw new RecordError(`${field} is not a date: ${JSON.stringify(value)}`);
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
    processedAt: payload.processed_at
      ? date(payload.processed_at, "processed_at")
      : date(payload.created_at, "created_at"),
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
    // REST: discount_codes [{ code, amount, type }] and total_discounts (shop currency).
    discountCodes: (Array.isArray(payload.discount_codes) ? payload.discount_codes : [])
      .map((d) => str(obj(d).code))
      .filter((code): code is string => code !== null),
    totalDiscounts:
      payload.total_discounts == null
        ? payload.total_discounts_set
          ? shopMoney(payload.total_discounts_set, "total_discounts_set")
          : "0.00"
        : amount(payload.total_discounts, "total_discounts"),
    sourceName: str(payload.source_name),
    channel: channelOf(str(payload.source_name)),
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
    discountCodes: Array.isArray(node.discountCodes)
      ? node.discountCodes.filter((c): c is string => typeof c === "string" && c !== "")
      : [],
    totalDiscounts: node.totalDiscountsSet ? shopMoney(node.totalDiscountsSet, "totalDiscountsSet") : "0.00",
    sourceName: str(node.sourceName),
    channel: channelOf(str(node.sourceName)),
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

/** Upper-case codes and a trimmed city; empty strings are none. */
function addressOf(address: Json, country: unknown, province: unknown): AddressRow {
  const code = (value: unknown) => str(typeof value === "string" ? value.trim().toUpperCase() : value);
  return { countryCode: code(country), provinceCode: code(province), city: str(str(address.city)?.trim()) };
}

/** REST `default_address`: null when the customer has none, undefined when the payload leaves it out. */
function restAddress(value: unknown): AddressRow | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object") return null;
  const a = value as Json;
  return addressOf(a, a.country_code, a.province_code);
}

/** REST consent (`{ state, consent_updated_at }`, states in lower case) in Shopify's GraphQL enum spelling. */
function restConsent(value: unknown, field: string): ConsentRow | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object") return { state: null, updatedAt: null };
  const c = value as Json;
  return {
    state: str(c.state)?.toUpperCase() ?? null,
    updatedAt: optionalDate(c.consent_updated_at, `${field}.consent_updated_at`),
  };
}

/**
 * customers_email_marketing_consent/update (`customer_id`, `email_marketing_consent`) and
 * customers_marketing_consent/update (`id`, `sms_marketing_consent`): the customer and the one
 * channel's consent the topic is about.
 */
export function consentFromWebhook(
  payload: Json,
  channel: "email" | "sms",
): { customerShopifyId: bigint; consent: ConsentRow } {
  const field = channel === "email" ? "email_marketing_consent" : "sms_marketing_consent";
  const id = channel === "email" ? (payload.customer_id ?? payload.id) : (payload.id ?? payload.customer_id);
  const consent = restConsent(payload[field], field);
  if (!consent) throw new RecordError(`${field} is missing`);
  return { customerShopifyId: shopifyId(id, channel === "email" ? "customer_id" : "id"), consent };
}

export function customerFromWebhook(payload: Json): CustomerRow {
  return {
    address: restAddress(payload.default_address),
    // Not in customer payloads since API 2025-01 (their own topics carry them); read when present.
    emailConsent: restConsent(payload.email_marketing_consent, "email_marketing_consent"),
    smsConsent: restConsent(payload.sms_marketing_consent, "sms_marketing_consent"),
    shopifyId: shopifyId(payload.id),
    email: str(payload.email),
    firstName: str(payload.first_name),
    lastName: str(payload.last_name),
    tags: typeof payload.tags === "string" ? splitTags(payload.tags) : null,
    shopifyCreatedAt: optionalDate(payload.created_at, "created_at"),
    shopifyUpdatedAt: optionalDate(payload.updated_at, "updated_at"),
  };
}

/** GraphQL consent: `defaultEmailAddress { marketingState marketingUpdatedAt }` (or the older `emailMarketingConsent`), `smsMarketingConsent`. */
function graphqlConsent(value: unknown, at: string, field: string): ConsentRow {
  if (value === null || value === undefined || typeof value !== "object") return { state: null, updatedAt: null };
  const c = value as Json;
  return { state: str(c.marketingState)?.toUpperCase() ?? null, updatedAt: optionalDate(c[at], `${field}.${at}`) };
}

export function customerFromBulk(node: Json): CustomerRow {
  const address = node.defaultAddress;
  return {
    address:
      address && typeof address === "object"
        ? addressOf(address as Json, (address as Json).countryCodeV2, (address as Json).provinceCode)
        : null,
    emailConsent:
      node.defaultEmailAddress !== undefined
        ? graphqlConsent(node.defaultEmailAddress, "marketingUpdatedAt", "defaultEmailAddress")
        : graphqlConsent(node.emailMarketingConsent, "consentUpdatedAt", "emailMarketingConsent"),
    smsConsent: graphqlConsent(node.smsMarketingConsent, "consentUpdatedAt", "smsMarketingConsent"),
    shopifyId: shopifyId(node.id),
    email: str(node.email),
    firstName: str(node.firstName),
    lastName: str(node.lastName),
    tags: Array.isArray(node.tags) ? node.tags.filter((t): t is string => typeof t === "string") : [],
    dataSaleOptOut: typeof node.dataSaleOptOut === "boolean" ? node.dataSaleOptOut : null,
    shopifyCreatedAt: optionalDate(node.createdAt, "createdAt"),
    shopifyUpdatedAt: optionalDate(node.updatedAt, "updatedAt"),
  };
}

// Shopify always sends product_type and title, "" when unset. A payload without them is not a
// product: treating the gap as "no type" would silently erase the type of every past purchase.
function presentText(value: unknown, field: string): string | null {
  if (typeof value !== "string") throw new RecordError(`${field} is not a string: ${JSON.stringify(value)}`);
  return value.trim() === "" ? null : value;
}

function optionalText(value: unknown, field: string): string | null {
  return value == null ? null : presentText(value, field);
}

/** A product as products/create and products/update deliver it (REST shape). */
export function productFromWebhook(payload: Json): ProductRow {
  return {
    shopifyId: shopifyId(payload.id),
    title: presentText(payload.title, "title"),
    productType: presentText(payload.product_type, "product_type"),
    vendor: optionalText(payload.vendor, "vendor"),
    shopifyUpdatedAt: date(payload.updated_at, "updated_at"),
  };
}

/** A product line of the bulk JSONL (GraphQL shape). */
export function productFromBulk(node: Json): ProductRow {
  return {
    shopifyId: shopifyId(node.id),
    title: presentText(node.title, "title"),
    productType: presentText(node.productType, "productType"),
    vendor: optionalText(node.vendor, "vendor"),
    shopifyUpdatedAt: date(node.updatedAt, "updatedAt"),
  };
}

/**
 * A collection as collections/create and collections/update deliver it (REST shape: `id`, `title`,
 * `handle`, `updated_at`; no products). Shopify always sends the title.
 */
export function collectionFromWebhook(payload: Json): CollectionRow {
  return {
    shopifyId: shopifyId(payload.id),
    title: presentText(payload.title, "title"),
    handle: optionalText(payload.handle, "handle"),
    shopifyUpdatedAt: date(payload.updated_at, "updated_at"),
  };
}

/** A collection line of the collections bulk JSONL (GraphQL shape). */
export function collectionFromBulk(node: Json): CollectionRow {
  return {
    shopifyId: shopifyId(node.id),
    title: presentText(node.title, "title"),
    handle: optionalText(node.handle, "handle"),
    shopifyUpdatedAt: date(node.updatedAt, "updatedAt"),
  };
}

/** A product line of the collections bulk JSONL: the product `id`, its collection in `__parentId`. */
export function collectionMembershipFromBulk(node: Json): CollectionMembershipRow {
  return { collectionId: shopifyId(node.__parentId, "__parentId"), productId: shopifyId(node.id) };
}

const splitTags = (tags: string) =>
  tags
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

/** The merchant's own tags: ours (with the app's prefixes) are left out so they never loop back. */
export function merchantTags(tags: string[], appPrefixes: string[]): string[] {
  const lower = appPrefixes.map((p) => p.toLowerCase());
  return tags.filter((tag) => !lower.some((p) => tag.toLowerCase().startsWith(p)));
}
