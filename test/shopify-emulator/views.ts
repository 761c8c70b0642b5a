// GraphQL views of store records. A view is a plain object whose properties are values or
// functions of the field arguments; the executor (and the bulk runner) resolve fields by
// name on it, so one view serves normal queries and bulk JSONL exports alike.
import { orderCurrentTotalCents, orderRefundedCents, orderSubtotalCents, orderTotalCents, type CustomerRecord, type LineItemRecord, type OrderRecord, type RefundRecord } from "./generator";
import { Listing, decodeCursor, encodeCursor } from "./connection";
import { financialStatus, money } from "./rest-payloads";
import type { BulkOperationRecord, MetafieldDefinitionRecord, MetafieldRecord, SegmentRecord, ShopStore } from "./store";

export interface ViewContext {
  store: ShopStore;
  /** `app--<appId>`: what `$app` resolves to for this app. */
  appNamespace: string;
}

export type View = Record<string, unknown> & { __typename: string };

export function gid(type: string, id: number): string {
  return `gid://shopify/${type}/${id}`;
}

/** The numeric id of a `gid://shopify/<type>/<n>`, or null if it is not one. */
export function parseGid(value: string, type: string): number | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(value);
  return match && match[1] === type ? Number(match[2]) : null;
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function moneyV2(cents: number, currencyCode: string) {
  return { amount: money(cents), currencyCode };
}

function moneyBag(cents: number, order: OrderRecord, shopCurrency: string) {
  return { shopMoney: moneyV2(cents, shopCurrency), presentmentMoney: moneyV2(Math.round(cents * order.presentmentRate), order.presentmentCurrency) };
}

export function resolveNamespace(ctx: ViewContext, namespace: string | null | undefined): string {
  if (!namespace || namespace === "$app") return ctx.appNamespace;
  if (namespace.startsWith("$app:")) return `${ctx.appNamespace}--${namespace.slice(5)}`;
  return namespace;
}

export function shopView(ctx: ViewContext): View {
  const { store } = ctx;
  const plus = store.plan === "plus" || store.plan === "enterprise";
  return {
    __typename: "Shop",
    id: gid("Shop", store.id),
    name: store.name,
    myshopifyDomain: store.domain,
    email: `owner@${store.domain}`,
    contactEmail: `owner@${store.domain}`,
    currencyCode: store.currency,
    ianaTimezone: store.timezone,
    timezoneAbbreviation: "UTC",
    createdAt: isoTime(store.createdAt),
    enabledPresentmentCurrencies: [store.currency, "EUR", "GBP", "CAD", "AUD"].filter((c, i, all) => all.indexOf(c) === i),
    plan: {
      displayName: plus ? "Shopify Plus" : store.plan.replace(/^./, (c) => c.toUpperCase()),
      publicDisplayName: plus ? "Shopify Plus" : store.plan.replace(/^./, (c) => c.toUpperCase()),
      partnerDevelopment: store.plan === "development",
      shopifyPlus: plus,
    },
  };
}

export function customerView(ctx: ViewContext, record: CustomerRecord, orders?: OrderRecord[]): View {
  const { store } = ctx;
  const loadOrders = () => orders ?? store.customer(record.id)?.orders ?? [];
  const totals = () => store.customerTotals({ record, orders: loadOrders() });
  return {
    __typename: "Customer",
    id: gid("Customer", record.id),
    legacyResourceId: String(record.id),
    firstName: record.firstName,
    lastName: record.lastName,
    displayName: [record.firstName, record.lastName].filter(Boolean).join(" ") || record.email || "",
    email: record.email,
    phone: record.phone,
    defaultEmailAddress: record.email ? { emailAddress: record.email, marketingState: "NOT_SUBSCRIBED", validFormat: true } : null,
    defaultPhoneNumber: record.phone ? { phoneNumber: record.phone, marketingState: "NOT_SUBSCRIBED" } : null,
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
    tags: record.tags,
    state: record.state,
    verifiedEmail: record.verifiedEmail,
    locale: record.locale,
    note: record.note,
    taxExempt: false,
    dataSaleOptOut: false,
    canDelete: loadOrders().length === 0,
    numberOfOrders: () => String(totals().numberOfOrders),
    amountSpent: () => moneyV2(totals().amountSpentCents, store.currency),
    lastOrder: () => {
      const last = loadOrders().at(-1);
      return last ? orderView(ctx, last, record) : null;
    },
    orders: () => Listing.ofArray(loadOrders().map((o) => orderView(ctx, o, record))),
    statistics: { rfmGroup: null, predictedSpendTier: null },
    metafield: (args: { namespace?: string | null; key: string }) => {
      const field = store.metafields.get(record.id)?.get(`${resolveNamespace(ctx, args.namespace)}.${args.key}`);
      return field ? metafieldView(ctx, field) : null;
    },
    metafields: (args: { namespace?: string | null; keys?: string[] | null }) => {
      const namespace = args.namespace === undefined || args.namespace === null ? null : resolveNamespace(ctx, args.namespace);
      const keys = args.keys?.map((k) => (k.includes(".") ? k : `${ctx.appNamespace}.${k}`));
      const fields = [...(store.metafields.get(record.id)?.values() ?? [])].filter(
        (m) => (namespace === null || m.namespace === namespace) && (!keys || keys.includes(`${m.namespace}.${m.key}`)),
      );
      return Listing.ofArray(fields.map((m) => metafieldView(ctx, m)));
    },
  };
}

export function orderView(ctx: ViewContext, order: OrderRecord, customer?: CustomerRecord | null): View {
  const { store } = ctx;
  const currency = store.currency;
  const subtotal = orderSubtotalCents(order);
  const total = orderTotalCents(order);
  const refunded = orderRefundedCents(order);
  const number = (order.id % 1_000_000_000) + 1000;
  const status = financialStatus(order).toUpperCase();
  return {
    __typename: "Order",
    id: gid("Order", order.id),
    legacyResourceId: String(order.id),
    name: `#${number}`,
    number,
    email: order.email,
    createdAt: isoTime(order.createdAt),
    processedAt: isoTime(order.processedAt),
    updatedAt: isoTime(order.updatedAt),
    cancelledAt: isoTime(order.cancelledAt),
    cancelReason: order.cancelReason,
    closed: false,
    closedAt: null,
    confirmed: true,
    test: order.test,
    tags: order.tags,
    sourceName: "web",
    currencyCode: currency,
    presentmentCurrencyCode: order.presentmentCurrency,
    displayFinancialStatus: status,
    displayFulfillmentStatus: "FULFILLED",
    fullyPaid: true,
    unpaid: false,
    customerAcceptsMarketing: false,
    subtotalLineItemsQuantity: order.lineItems.reduce((s, li) => s + li.quantity, 0),
    customer: () => {
      if (order.customerId === null) return null;
      const record = customer ?? store.customer(order.customerId)?.record;
      return record ? customerView(ctx, record) : null;
    },
    subtotalPriceSet: () => moneyBag(subtotal, order, currency),
    totalPriceSet: () => moneyBag(total, order, currency),
    originalTotalPriceSet: () => moneyBag(total, order, currency),
    currentSubtotalPriceSet: () => moneyBag(Math.max(0, subtotal - refunded), order, currency),
    currentTotalPriceSet: () => moneyBag(orderCurrentTotalCents(order), order, currency),
    totalRefundedSet: () => moneyBag(refunded, order, currency),
    totalShippingPriceSet: () => moneyBag(order.shippingCents, order, currency),
    totalTaxSet: () => moneyBag(order.taxCents, order, currency),
    currentTotalTaxSet: () => moneyBag(refunded >= total ? 0 : order.taxCents, order, currency),
    totalDiscountsSet: () => moneyBag(0, order, currency),
    currentTotalDiscountsSet: () => moneyBag(0, order, currency),
    netPaymentSet: () => moneyBag(total - refunded, order, currency),
    totalReceivedSet: () => moneyBag(total, order, currency),
    lineItems: () => Listing.ofArray(order.lineItems.map((li) => lineItemView(ctx, order, li))),
    refunds: (args: { first?: number | null }) => order.refunds.slice(0, args.first ?? undefined).map((r) => refundView(ctx, order, r)),
  };
}

function refundedQuantity(order: OrderRecord, lineItemId: number): number {
  let quantity = 0;
  for (const refund of order.refunds) for (const rli of refund.lineItems) if (rli.lineItemId === lineItemId) quantity += rli.quantity;
  return quantity;
}

export function lineItemView(ctx: ViewContext, order: OrderRecord, li: LineItemRecord): View {
  const currency = ctx.store.currency;
  const current = li.quantity - refundedQuantity(order, li.id);
  const product = { __typename: "Product", id: gid("Product", li.productId), legacyResourceId: String(li.productId), title: li.productTitle, productType: li.productType, handle: li.productTitle.toLowerCase().replace(/\W+/g, "-"), vendor: ctx.store.name };
  return {
    __typename: "LineItem",
    id: gid("LineItem", li.id),
    name: li.productTitle,
    title: li.productTitle,
    sku: li.sku,
    vendor: ctx.store.name,
    variantTitle: null,
    quantity: li.quantity,
    currentQuantity: current,
    refundableQuantity: current,
    unfulfilledQuantity: 0,
    nonFulfillableQuantity: 0,
    isGiftCard: false,
    taxable: true,
    requiresShipping: true,
    product,
    variant: { __typename: "ProductVariant", id: gid("ProductVariant", li.productId + 1_000_000), title: "Default Title", sku: li.sku, product },
    originalUnitPriceSet: () => moneyBag(li.unitPriceCents, order, currency),
    discountedUnitPriceSet: () => moneyBag(li.unitPriceCents, order, currency),
    discountedUnitPriceAfterAllDiscountsSet: () => moneyBag(li.unitPriceCents, order, currency),
    originalTotalSet: () => moneyBag(li.unitPriceCents * li.quantity, order, currency),
    discountedTotalSet: () => moneyBag(li.unitPriceCents * li.quantity, order, currency),
    totalDiscountSet: () => moneyBag(0, order, currency),
  };
}

export function refundView(ctx: ViewContext, order: OrderRecord, refund: RefundRecord): View {
  const currency = ctx.store.currency;
  return {
    __typename: "Refund",
    id: gid("Refund", refund.id),
    legacyResourceId: String(refund.id),
    createdAt: isoTime(refund.createdAt),
    processedAt: isoTime(refund.createdAt),
    updatedAt: isoTime(refund.createdAt),
    note: refund.note,
    totalRefundedSet: () => moneyBag(refund.amountCents, order, currency),
    order: () => orderView(ctx, order),
    refundLineItems: () =>
      Listing.ofArray(
        refund.lineItems.map((rli, i) => {
          const li = order.lineItems.find((l) => l.id === rli.lineItemId)!;
          return {
            __typename: "RefundLineItem",
            id: gid("RefundLineItem", refund.id * 10 + i),
            quantity: rli.quantity,
            restocked: false,
            restockType: "NO_RESTOCK",
            lineItem: lineItemView(ctx, order, li),
            priceSet: moneyBag(li.unitPriceCents, order, currency),
            subtotalSet: moneyBag(rli.subtotalCents, order, currency),
            totalTaxSet: moneyBag(0, order, currency),
          };
        }),
      ),
  };
}

export function metafieldView(ctx: ViewContext, field: MetafieldRecord): View {
  return {
    __typename: "Metafield",
    id: gid("Metafield", field.id),
    legacyResourceId: String(field.id),
    namespace: field.namespace,
    key: field.key,
    type: field.type,
    value: field.value,
    jsonValue: () => jsonValueOf(field),
    compareDigest: Buffer.from(`${field.id}:${field.updatedAt}`).toString("base64url"),
    createdAt: isoTime(field.createdAt),
    updatedAt: isoTime(field.updatedAt),
    ownerType: "CUSTOMER",
    owner: () => {
      const owner = ctx.store.customer(field.ownerId);
      return owner ? customerView(ctx, owner.record, owner.orders) : null;
    },
    definition: () => {
      for (const d of ctx.store.metafieldDefinitions.values()) if (d.namespace === field.namespace && d.key === field.key && d.ownerType === "CUSTOMER") return metafieldDefinitionView(d);
      return null;
    },
  };
}

function jsonValueOf(field: MetafieldRecord): unknown {
  if (field.type === "json" || field.type.startsWith("list.")) return JSON.parse(field.value);
  if (field.type === "boolean") return field.value === "true";
  if (field.type.startsWith("number_")) return Number(field.value);
  return field.value;
}

export function metafieldDefinitionView(d: MetafieldDefinitionRecord): View {
  return {
    __typename: "MetafieldDefinition",
    id: gid("MetafieldDefinition", d.id),
    name: d.name,
    namespace: d.namespace,
    key: d.key,
    description: d.description,
    ownerType: d.ownerType,
    type: { name: d.type, category: d.type.replace(/^list\./, "").split("_")[0].toUpperCase() },
    pinnedPosition: null,
  };
}

export function segmentView(segment: SegmentRecord): View {
  return {
    __typename: "Segment",
    id: gid("Segment", segment.id),
    name: segment.name,
    query: segment.query,
    creationDate: isoTime(segment.createdAt),
    lastEditDate: isoTime(segment.updatedAt),
  };
}

export function bulkOperationView(op: BulkOperationRecord): View {
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", op.id),
    type: op.type,
    status: op.status,
    query: op.query,
    createdAt: isoTime(op.createdAt),
    completedAt: isoTime(op.completedAt),
    objectCount: String(op.objectCount),
    rootObjectCount: String(op.rootObjectCount),
    fileSize: op.fileSize === null ? null : String(op.fileSize),
    errorCode: op.errorCode,
    url: op.status === "COMPLETED" ? op.url : null,
    partialDataUrl: op.status === "FAILED" ? op.url : null,
  };
}

/** Customers of the shop as a listing; the cursor is the slot. */
export function customersListing(ctx: ViewContext, accept: (record: CustomerRecord, orders: OrderRecord[]) => boolean): Listing {
  return new Listing(function* (after) {
    const from = after === null ? 0 : decodeCursor(after, "c") + 1;
    for (const { slot, record, orders } of ctx.store.customers(from)) {
      if (accept(record, orders)) yield { cursor: encodeCursor("c", slot), node: customerView(ctx, record, orders) };
    }
  });
}

/** All orders of the shop as a listing; the cursor is (slot, index in slot). */
export function ordersListing(ctx: ViewContext, accept: (order: OrderRecord) => boolean): Listing {
  return new Listing(function* (after) {
    const [fromSlot, fromIndex] = after === null ? [0, -1] : decodeCursor(after, "o", 2);
    for (const { order, slot, index } of ctx.store.orders(fromSlot)) {
      if (slot === fromSlot && index <= fromIndex) continue;
      if (accept(order)) yield { cursor: encodeCursor("o", slot, index), node: orderView(ctx, order) };
    }
  });
}
