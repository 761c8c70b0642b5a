// Webhook bodies in Shopify's REST resource shape (numeric ids, snake_case, money as strings,
// timestamps with the shop's UTC offset). Since API 2025-01 customer payloads carry no
// `tags` or marketing-consent fields (they have their own topics), so neither do ours; the
// consent topics' payloads are `emailConsentPayload` and `smsConsentPayload`.
import {
  orderDiscountCents,
  orderLineItemsCents,
  orderRefundedCents,
  orderSubtotalCents,
  orderTotalCents,
  orderCurrentTotalCents,
  type CustomerRecord,
  type OrderRecord,
  type Product,
  type RefundRecord,
} from "./generator";

interface ShopLike {
  id: number;
  domain: string;
  name: string;
  currency: string;
  timezone: string;
  plan: string;
  createdAt: number;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-03-04T10:15:00-05:00`, like Shopify's REST timestamps. */
export function restTime(ms: number | null, timezone: string): string | null {
  if (ms === null) return null;
  let formatter = offsetFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" });
    offsetFormatters.set(timezone, formatter);
  }
  const zone = formatter.formatToParts(ms).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const offset = zone === "GMT" ? "+00:00" : zone.slice(3);
  const sign = offset.startsWith("-") ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(":").map(Number);
  const local = new Date(ms + sign * (hours * 60 + minutes) * 60_000);
  return local.toISOString().slice(0, 19) + offset;
}

export function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

function moneySet(cents: number, order: OrderRecord, shopCurrency: string) {
  return {
    shop_money: { amount: money(cents), currency_code: shopCurrency },
    presentment_money: {
      amount: money(Math.round(cents * order.presentmentRate)),
      currency_code: order.presentmentCurrency,
    },
  };
}

export function financialStatus(order: OrderRecord): string {
  const refunded = orderRefundedCents(order);
  if (refunded === 0) return "paid";
  return refunded >= orderTotalCents(order) ? "refunded" : "partially_refunded";
}

/** REST `default_address` (null without one). */
export function addressPayload(customer: CustomerRecord) {
  const a = customer.defaultAddress;
  if (!a) return null;
  return {
    id: customer.id + 3_000_000,
    customer_id: customer.id,
    first_name: customer.firstName,
    last_name: customer.lastName,
    company: null,
    address1: a.address1,
    address2: null,
    city: a.city,
    province: a.province,
    country: a.country,
    zip: a.zip,
    phone: customer.phone,
    name: [customer.firstName, customer.lastName].filter(Boolean).join(" "),
    province_code: a.provinceCode,
    country_code: a.countryCode,
    country_name: a.country,
    default: true,
  };
}

/** customers_email_marketing_consent/update. */
export function emailConsentPayload(shop: ShopLike, customer: CustomerRecord) {
  return {
    customer_id: customer.id,
    email_address: customer.email,
    email_marketing_consent: {
      state: (customer.emailMarketingState ?? "NOT_SUBSCRIBED").toLowerCase(),
      opt_in_level: customer.emailMarketingState === "SUBSCRIBED" ? "single_opt_in" : null,
      consent_updated_at: restTime(customer.emailConsentUpdatedAt ?? null, shop.timezone),
    },
  };
}

/** customers_marketing_consent/update (SMS). */
export function smsConsentPayload(shop: ShopLike, customer: CustomerRecord) {
  return {
    id: customer.id,
    phone: customer.phone,
    sms_marketing_consent: {
      state: (customer.smsMarketingState ?? "NOT_SUBSCRIBED").toLowerCase(),
      opt_in_level: "single_opt_in",
      consent_updated_at: restTime(customer.smsConsentUpdatedAt ?? null, shop.timezone),
      consent_collected_from: "SHOPIFY",
    },
  };
}

export function customerPayload(shop: ShopLike, customer: CustomerRecord) {
  const address = addressPayload(customer);
  return {
    id: customer.id,
    email: customer.email,
    created_at: restTime(customer.createdAt, shop.timezone),
    updated_at: restTime(customer.updatedAt, shop.timezone),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: false,
    phone: customer.phone,
    currency: shop.currency,
    addresses: address ? [address] : [],
    tax_exemptions: [],
    admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
    default_address: address,
  };
}

export function orderPayload(shop: ShopLike, order: OrderRecord, customer?: CustomerRecord | null) {
  const tz = shop.timezone;
  const subtotal = orderSubtotalCents(order);
  const total = orderTotalCents(order);
  const current = orderCurrentTotalCents(order);
  const number = (order.id % 1_000_000_000) + 1000;
  return {
    id: order.id,
    admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    app_id: 580111,
    buyer_accepts_marketing: false,
    cancel_reason: order.cancelReason?.toLowerCase() ?? null,
    cancelled_at: restTime(order.cancelledAt, tz),
    closed_at: null,
    confirmation_number: order.id.toString(36).toUpperCase().slice(-9),
    confirmed: true,
    contact_email: order.email,
    created_at: restTime(order.createdAt, tz),
    currency: shop.currency,
    current_subtotal_price: money(Math.max(0, subtotal - orderRefundedCents(order))),
    current_subtotal_price_set: moneySet(Math.max(0, subtotal - orderRefundedCents(order)), order, shop.currency),
    current_total_price: money(current),
    current_total_price_set: moneySet(current, order, shop.currency),
    current_total_tax: money(order.refunds.length && current === 0 ? 0 : order.taxCents),
    customer_locale: "en",
    email: order.email,
    financial_status: financialStatus(order),
    fulfillment_status: null,
    name: `#${number}`,
    note: null,
    number: number - 1000,
    order_number: number,
    presentment_currency: order.presentmentCurrency,
    processed_at: restTime(order.processedAt, tz),
    source_name: order.sourceName ?? "web",
    discount_codes: (order.discountCodes ?? []).map((d) => ({
      code: d.code,
      amount: money(d.amountCents),
      type: d.type,
    })),
    subtotal_price: money(subtotal),
    subtotal_price_set: moneySet(subtotal, order, shop.currency),
    tags: order.tags.join(", "),
    test: order.test,
    total_discounts: money(orderDiscountCents(order)),
    total_discounts_set: moneySet(orderDiscountCents(order), order, shop.currency),
    current_total_discounts: money(orderDiscountCents(order)),
    total_line_items_price: money(orderLineItemsCents(order)),
    total_price: money(total),
    total_price_set: moneySet(total, order, shop.currency),
    total_shipping_price_set: moneySet(order.shippingCents, order, shop.currency),
    total_tax: money(order.taxCents),
    total_tax_set: moneySet(order.taxCents, order, shop.currency),
    updated_at: restTime(order.updatedAt, tz),
    customer:
      order.customerId === null
        ? null
        : {
            id: order.customerId,
            email: customer?.email ?? order.email,
            created_at: customer ? restTime(customer.createdAt, tz) : null,
            updated_at: customer ? restTime(customer.updatedAt, tz) : null,
            first_name: customer?.firstName ?? null,
            last_name: customer?.lastName ?? null,
            state: customer?.state.toLowerCase() ?? "disabled",
            note: null,
            verified_email: customer?.verifiedEmail ?? true,
            multipass_identifier: null,
            tax_exempt: false,
            phone: customer?.phone ?? null,
            currency: shop.currency,
            tax_exemptions: [],
            admin_graphql_api_id: `gid://shopify/Customer/${order.customerId}`,
            default_address: customer ? addressPayload(customer) : null,
          },
    line_items: order.lineItems.map((li) => ({
      id: li.id,
      admin_graphql_api_id: `gid://shopify/LineItem/${li.id}`,
      current_quantity: li.quantity - refundedQuantity(order, li.id),
      fulfillable_quantity: li.quantity,
      fulfillment_status: null,
      gift_card: false,
      name: li.productTitle,
      price: money(li.unitPriceCents),
      price_set: moneySet(li.unitPriceCents, order, shop.currency),
      product_exists: true,
      product_id: li.productId,
      quantity: li.quantity,
      requires_shipping: true,
      sku: li.sku,
      taxable: true,
      title: li.productTitle,
      total_discount: "0.00",
      total_discount_set: moneySet(0, order, shop.currency),
      variant_id: variantIdOf(li.productId),
      variant_title: null,
      vendor: li.vendor ?? shop.name,
    })),
    refunds: order.refunds.map((refund) => refundPayload(shop, order, refund)),
    shipping_lines: [],
  };
}

function refundedQuantity(order: OrderRecord, lineItemId: number): number {
  let quantity = 0;
  for (const refund of order.refunds)
    for (const rli of refund.lineItems) if (rli.lineItemId === lineItemId) quantity += rli.quantity;
  return quantity;
}

export function refundPayload(shop: ShopLike, order: OrderRecord, refund: RefundRecord) {
  const tz = shop.timezone;
  return {
    id: refund.id,
    admin_graphql_api_id: `gid://shopify/Refund/${refund.id}`,
    created_at: restTime(refund.createdAt, tz),
    note: refund.note,
    order_id: order.id,
    processed_at: restTime(refund.createdAt, tz),
    restock: false,
    total_duties_set: moneySet(0, order, shop.currency),
    user_id: null,
    order_adjustments: [],
    transactions: [
      {
        id: refund.id + 1,
        admin_graphql_api_id: `gid://shopify/OrderTransaction/${refund.id + 1}`,
        amount: money(Math.round(refund.amountCents * order.presentmentRate)),
        currency: order.presentmentCurrency,
        kind: "refund",
        status: "success",
        order_id: order.id,
        parent_id: null,
        processed_at: restTime(refund.createdAt, tz),
        test: order.test,
        gateway: "shopify_payments",
      },
    ],
    refund_line_items: refund.lineItems.map((rli, i) => ({
      id: refund.id * 10 + i,
      line_item_id: rli.lineItemId,
      location_id: null,
      quantity: rli.quantity,
      restock_type: "no_restock",
      subtotal: money(rli.subtotalCents),
      subtotal_set: moneySet(rli.subtotalCents, order, shop.currency),
      total_tax: "0.00",
      total_tax_set: moneySet(0, order, shop.currency),
    })),
  };
}

/** The product fields a products/* payload is built from (the store's ProductRecord). */
export interface ProductLike extends Product {
  vendor: string;
  createdAt: number;
  updatedAt: number;
}

/** Variant ids follow the product's, as in order line items' `variant_id`. */
export const variantIdOf = (productId: number) => productId + 1_000_000;

/** products/create and products/update: one default variant, `product_type` "" when unset. */
export function productPayload(shop: ShopLike, product: ProductLike) {
  const tz = shop.timezone;
  const variantId = variantIdOf(product.id);
  return {
    admin_graphql_api_id: `gid://shopify/Product/${product.id}`,
    body_html: null,
    created_at: restTime(product.createdAt, tz),
    handle: product.title.toLowerCase().replace(/\W+/g, "-"),
    id: product.id,
    product_type: product.productType,
    published_at: restTime(product.createdAt, tz),
    template_suffix: null,
    title: product.title,
    updated_at: restTime(product.updatedAt, tz),
    vendor: product.vendor,
    status: "active",
    published_scope: "global",
    tags: "",
    variants: [
      {
        admin_graphql_api_id: `gid://shopify/ProductVariant/${variantId}`,
        barcode: null,
        compare_at_price: null,
        created_at: restTime(product.createdAt, tz),
        id: variantId,
        inventory_policy: "deny",
        position: 1,
        price: money(product.priceCents),
        product_id: product.id,
        sku: product.sku,
        taxable: true,
        title: "Default Title",
        updated_at: restTime(product.updatedAt, tz),
        option1: "Default Title",
        option2: null,
        option3: null,
        image_id: null,
        inventory_item_id: variantId + 1_000_000,
        inventory_quantity: 10,
        old_inventory_quantity: 10,
      },
    ],
    options: [
      { name: "Title", id: product.id + 2_000_000, product_id: product.id, position: 1, values: ["Default Title"] },
    ],
    images: [],
    image: null,
    media: [],
    variant_gids: [
      {
        admin_graphql_api_id: `gid://shopify/ProductVariant/${variantId}`,
        updated_at: restTime(product.updatedAt, "UTC"),
      },
    ],
    has_variants_that_requires_components: false,
    category: null,
  };
}

export function shopPayload(shop: ShopLike) {
  return {
    id: shop.id,
    name: shop.name,
    email: `owner@${shop.domain}`,
    domain: shop.domain,
    myshopify_domain: shop.domain,
    currency: shop.currency,
    iana_timezone: shop.timezone,
    plan_name: shop.plan,
    created_at: restTime(shop.createdAt, shop.timezone),
    updated_at: restTime(shop.createdAt, shop.timezone),
  };
}

/** The collection fields a collections/* payload is built from (the store's CollectionRecord). */
export interface CollectionLike {
  id: number;
  title: string;
  handle: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * collections/create and collections/update, as Shopify sends them: the collection's own fields
 * (REST shape), no products — a webhook never says which products a collection holds.
 */
export function collectionPayload(shop: ShopLike, collection: CollectionLike) {
  const tz = shop.timezone;
  return {
    id: collection.id,
    handle: collection.handle,
    title: collection.title,
    updated_at: restTime(collection.updatedAt, tz),
    body_html: null,
    published_at: restTime(collection.createdAt, tz),
    sort_order: "best-selling",
    template_suffix: null,
    published_scope: "web",
    admin_graphql_api_id: `gid://shopify/Collection/${collection.id}`,
  };
}

/** collections/delete: the id alone, with its scope and gid. */
export function collectionDeletePayload(collectionId: number) {
  return { id: collectionId, published_scope: "web", admin_graphql_api_id: `gid://shopify/Collection/${collectionId}` };
}
