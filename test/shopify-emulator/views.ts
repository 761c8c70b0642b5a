// GraphQL views of store records. A view is a plain object whose properties are values or
// functions of the field arguments; the executor (and the bulk runner) resolve fields by
// name on it, so one view serves normal queries and bulk JSONL exports alike.
import {
  orderCurrentTotalCents,
  orderDiscountCents,
  orderRefundedCents,
  orderSubtotalCents,
  orderTotalCents,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
  type RefundRecord,
} from "./generator";
import { Listing, decodeCursor, encodeCursor } from "./connection";
import { jsonValueOf } from "./field-values";
import { financialStatus, money, variantIdOf } from "./rest-payloads";
import type {
  BulkOperationRecord,
  CollectionRecord,
  MetafieldDefinitionRecord,
  MetafieldRecord,
  MetaobjectDefinitionRecord,
  MetaobjectFieldDefinitionRecord,
  MetaobjectRecord,
  ProductRecord,
  SegmentRecord,
  ShopStore,
} from "./store";

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
  return ms === null ? null : new Date(ms).toISOString().slice(0, 19) + "Z";
}

function moneyV2(cents: number, currencyCode: string) {
  return { amount: money(cents), currencyCode };
}

function moneyBag(cents: number, order: OrderRecord, shopCurrency: string) {
  return {
    shopMoney: moneyV2(cents, shopCurrency),
    presentmentMoney: moneyV2(Math.round(cents * order.presentmentRate), order.presentmentCurrency),
  };
}

export function resolveNamespace(ctx: ViewContext, namespace: string | null | undefined): string {
  if (!namespace || namespace === "$app") return ctx.appNamespace;
  if (namespace.startsWith("$app:")) return `${ctx.appNamespace}--${namespace.slice(5)}`;
  return namespace;
}

/** `$app:<name>` → `app--<appId>--<name>`, the type Shopify gives app-owned metaobjects. */
export function resolveMetaobjectType(ctx: ViewContext, type: string): string {
  return type.startsWith("$app:") ? resolveNamespace(ctx, type) : type;
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
    enabledPresentmentCurrencies: [store.currency, "EUR", "GBP", "CAD", "AUD"].filter(
      (c, i, all) => all.indexOf(c) === i,
    ),
    plan: {
      displayName: plus ? "Shopify Plus" : store.plan.replace(/^./, (c) => c.toUpperCase()),
      publicDisplayName: plus ? "Shopify Plus" : store.plan.replace(/^./, (c) => c.toUpperCase()),
      partnerDevelopment: store.plan === "development",
      shopifyPlus: plus,
    },
  };
}

// The hot views (customers, orders, line items: millions of them in a bulk export) are
// classes: fields are prototype getters and methods, computed only when selected, instead of
// dozens of closures allocated per object. `#private` state never collides with field names.

class CustomerView {
  readonly __typename = "Customer";
  readonly #ctx: ViewContext;
  readonly #record: CustomerRecord;
  #orders: OrderRecord[] | undefined;

  constructor(ctx: ViewContext, record: CustomerRecord, orders?: OrderRecord[]) {
    this.#ctx = ctx;
    this.#record = record;
    this.#orders = orders;
  }

  #loadOrders(): OrderRecord[] {
    return (this.#orders ??= this.#ctx.store.customer(this.#record.id)?.orders ?? []);
  }

  get id() {
    return gid("Customer", this.#record.id);
  }
  get legacyResourceId() {
    return String(this.#record.id);
  }
  get firstName() {
    return this.#record.firstName;
  }
  get lastName() {
    return this.#record.lastName;
  }
  get displayName() {
    const r = this.#record;
    return [r.firstName, r.lastName].filter(Boolean).join(" ") || r.email || "";
  }
  get email() {
    return this.#record.email;
  }
  get phone() {
    return this.#record.phone;
  }
  get defaultEmailAddress() {
    const r = this.#record;
    return r.email
      ? {
          emailAddress: r.email,
          marketingState: r.emailMarketingState ?? "NOT_SUBSCRIBED",
          marketingOptInLevel: r.emailMarketingState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
          marketingUpdatedAt: isoTime(r.emailConsentUpdatedAt ?? null),
          validFormat: true,
        }
      : null;
  }
  /** Deprecated in 2026-07 for `defaultEmailAddress.marketingState`; still served, as Shopify does. */
  get emailMarketingConsent() {
    const r = this.#record;
    return r.email
      ? {
          marketingState: r.emailMarketingState ?? "NOT_SUBSCRIBED",
          marketingOptInLevel: r.emailMarketingState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
          consentUpdatedAt: isoTime(r.emailConsentUpdatedAt ?? null),
        }
      : null;
  }
  get smsMarketingConsent() {
    const r = this.#record;
    return r.phone
      ? {
          marketingState: r.smsMarketingState ?? "NOT_SUBSCRIBED",
          marketingOptInLevel: "SINGLE_OPT_IN",
          consentUpdatedAt: isoTime(r.smsConsentUpdatedAt ?? null),
          consentCollectedFrom: "SHOPIFY",
        }
      : null;
  }
  get defaultPhoneNumber() {
    const r = this.#record;
    return r.phone ? { phoneNumber: r.phone, marketingState: r.smsMarketingState ?? "NOT_SUBSCRIBED" } : null;
  }
  get defaultAddress() {
    const a = this.#record.defaultAddress;
    if (!a) return null;
    const r = this.#record;
    return {
      __typename: "MailingAddress",
      id: gid("MailingAddress", r.id + 3_000_000),
      firstName: r.firstName,
      lastName: r.lastName,
      name: [r.firstName, r.lastName].filter(Boolean).join(" "),
      address1: a.address1,
      address2: null,
      city: a.city,
      province: a.province,
      provinceCode: a.provinceCode,
      country: a.country,
      countryCodeV2: a.countryCode,
      zip: a.zip,
      phone: r.phone,
      company: null,
    };
  }
  get createdAt() {
    return isoTime(this.#record.createdAt);
  }
  get updatedAt() {
    return isoTime(this.#record.updatedAt);
  }
  get tags() {
    return this.#record.tags;
  }
  get state() {
    return this.#record.state;
  }
  get verifiedEmail() {
    return this.#record.verifiedEmail;
  }
  get locale() {
    return this.#record.locale;
  }
  get note() {
    return this.#record.note;
  }
  get taxExempt() {
    return false;
  }
  get dataSaleOptOut() {
    return this.#record.dataSaleOptOut ?? false;
  }
  get canDelete() {
    return this.#loadOrders().length === 0;
  }
  get statistics() {
    return { rfmGroup: null, predictedSpendTier: null };
  }
  get numberOfOrders() {
    return String(this.#totals().numberOfOrders);
  }
  get amountSpent() {
    return moneyV2(this.#totals().amountSpentCents, this.#ctx.store.currency);
  }
  get lastOrder() {
    const last = this.#loadOrders().at(-1);
    return last ? new OrderView(this.#ctx, last, this.#record) : null;
  }

  orders() {
    return Listing.ofArray(this.#loadOrders().map((o) => new OrderView(this.#ctx, o, this.#record)));
  }

  metafield(args: { namespace?: string | null; key: string }) {
    const field = this.#ctx.store.metafields
      .get(this.#record.id)
      ?.get(`${resolveNamespace(this.#ctx, args.namespace)}.${args.key}`);
    return field ? metafieldView(this.#ctx, field) : null;
  }

  metafields(args: { namespace?: string | null; keys?: string[] | null }) {
    const ctx = this.#ctx;
    const namespace =
      args.namespace === undefined || args.namespace === null ? null : resolveNamespace(ctx, args.namespace);
    const keys = args.keys?.map((k) => (k.includes(".") ? k : `${ctx.appNamespace}.${k}`));
    const fields = [...(ctx.store.metafields.get(this.#record.id)?.values() ?? [])].filter(
      (m) => (namespace === null || m.namespace === namespace) && (!keys || keys.includes(`${m.namespace}.${m.key}`)),
    );
    return Listing.ofArray(fields.map((m) => metafieldView(ctx, m)));
  }

  #totals() {
    return this.#ctx.store.customerTotals({ record: this.#record, orders: this.#loadOrders() });
  }
}

class OrderView {
  readonly __typename = "Order";
  readonly #ctx: ViewContext;
  readonly #order: OrderRecord;
  readonly #customer: CustomerRecord | null | undefined;

  constructor(ctx: ViewContext, order: OrderRecord, customer?: CustomerRecord | null) {
    this.#ctx = ctx;
    this.#order = order;
    this.#customer = customer;
  }

  #money(cents: number) {
    return moneyBag(cents, this.#order, this.#ctx.store.currency);
  }

  get #number() {
    return (this.#order.id % 1_000_000_000) + 1000;
  }
  get id() {
    return gid("Order", this.#order.id);
  }
  get legacyResourceId() {
    return String(this.#order.id);
  }
  get name() {
    return `#${this.#number}`;
  }
  get number() {
    return this.#number;
  }
  get email() {
    return this.#order.email;
  }
  get createdAt() {
    return isoTime(this.#order.createdAt);
  }
  get processedAt() {
    return isoTime(this.#order.processedAt);
  }
  get updatedAt() {
    return isoTime(this.#order.updatedAt);
  }
  get cancelledAt() {
    return isoTime(this.#order.cancelledAt);
  }
  get cancelReason() {
    return this.#order.cancelReason;
  }
  get closed() {
    return false;
  }
  get closedAt() {
    return null;
  }
  get confirmed() {
    return true;
  }
  get test() {
    return this.#order.test;
  }
  get tags() {
    return this.#order.tags;
  }
  get sourceName() {
    return this.#order.sourceName ?? "web";
  }
  get discountCodes() {
    return (this.#order.discountCodes ?? []).map((d) => d.code);
  }
  get discountCode() {
    return this.#order.discountCodes?.[0]?.code ?? null;
  }
  get currencyCode() {
    return this.#ctx.store.currency;
  }
  get presentmentCurrencyCode() {
    return this.#order.presentmentCurrency;
  }
  get displayFinancialStatus() {
    return financialStatus(this.#order).toUpperCase();
  }
  get displayFulfillmentStatus() {
    return "FULFILLED";
  }
  get fullyPaid() {
    return true;
  }
  get unpaid() {
    return false;
  }
  get customerAcceptsMarketing() {
    return false;
  }
  get subtotalLineItemsQuantity() {
    return this.#order.lineItems.reduce((s, li) => s + li.quantity, 0);
  }
  get customer() {
    const { customerId } = this.#order;
    if (customerId === null) return null;
    const record = this.#customer ?? this.#ctx.store.customer(customerId)?.record;
    return record ? new CustomerView(this.#ctx, record) : null;
  }
  get subtotalPriceSet() {
    return this.#money(orderSubtotalCents(this.#order));
  }
  get totalPriceSet() {
    return this.#money(orderTotalCents(this.#order));
  }
  get originalTotalPriceSet() {
    return this.#money(orderTotalCents(this.#order));
  }
  get currentSubtotalPriceSet() {
    return this.#money(Math.max(0, orderSubtotalCents(this.#order) - orderRefundedCents(this.#order)));
  }
  get currentTotalPriceSet() {
    return this.#money(orderCurrentTotalCents(this.#order));
  }
  get totalRefundedSet() {
    return this.#money(orderRefundedCents(this.#order));
  }
  get totalShippingPriceSet() {
    return this.#money(this.#order.shippingCents);
  }
  get totalTaxSet() {
    return this.#money(this.#order.taxCents);
  }
  get currentTotalTaxSet() {
    return this.#money(orderCurrentTotalCents(this.#order) === 0 ? 0 : this.#order.taxCents);
  }
  get totalDiscountsSet() {
    return this.#money(orderDiscountCents(this.#order));
  }
  get currentTotalDiscountsSet() {
    return this.#money(orderDiscountCents(this.#order));
  }
  get netPaymentSet() {
    return this.#money(orderTotalCents(this.#order) - orderRefundedCents(this.#order));
  }
  get totalReceivedSet() {
    return this.#money(orderTotalCents(this.#order));
  }

  lineItems() {
    return Listing.ofArray(this.#order.lineItems.map((li) => new LineItemView(this.#ctx, this.#order, li)));
  }

  refunds(args: { first?: number | null }) {
    return this.#order.refunds.slice(0, args.first ?? undefined).map((r) => refundView(this.#ctx, this.#order, r));
  }
}

function refundedQuantity(order: OrderRecord, lineItemId: number): number {
  let quantity = 0;
  for (const refund of order.refunds)
    for (const rli of refund.lineItems) if (rli.lineItemId === lineItemId) quantity += rli.quantity;
  return quantity;
}

class LineItemView {
  readonly __typename = "LineItem";
  readonly #ctx: ViewContext;
  readonly #order: OrderRecord;
  readonly #item: LineItemRecord;

  constructor(ctx: ViewContext, order: OrderRecord, item: LineItemRecord) {
    this.#ctx = ctx;
    this.#order = order;
    this.#item = item;
  }

  #money(cents: number) {
    return moneyBag(cents, this.#order, this.#ctx.store.currency);
  }

  get id() {
    return gid("LineItem", this.#item.id);
  }
  get name() {
    return this.#item.productTitle;
  }
  get title() {
    return this.#item.productTitle;
  }
  get sku() {
    return this.#item.sku;
  }
  get vendor() {
    return this.#item.vendor ?? this.#ctx.store.name;
  }
  get variantTitle() {
    return null;
  }
  get quantity() {
    return this.#item.quantity;
  }
  get currentQuantity() {
    return this.#item.quantity - refundedQuantity(this.#order, this.#item.id);
  }
  get refundableQuantity() {
    return this.currentQuantity;
  }
  get unfulfilledQuantity() {
    return 0;
  }
  get nonFulfillableQuantity() {
    return 0;
  }
  get isGiftCard() {
    return false;
  }
  get taxable() {
    return true;
  }
  get requiresShipping() {
    return true;
  }
  // The product as it is now, as on Shopify: a retyped product shows its new type on old orders,
  // a deleted one leaves the line item without a product (its title stays).
  get product() {
    const product = this.#ctx.store.product(this.#item.productId);
    return product ? productView(this.#ctx, product) : null;
  }
  get variant() {
    const product = this.product;
    return product
      ? {
          __typename: "ProductVariant",
          id: gid("ProductVariant", variantIdOf(this.#item.productId)),
          title: "Default Title",
          sku: this.#item.sku,
          product,
        }
      : null;
  }
  get originalUnitPriceSet() {
    return this.#money(this.#item.unitPriceCents);
  }
  get discountedUnitPriceSet() {
    return this.#money(this.#item.unitPriceCents);
  }
  get discountedUnitPriceAfterAllDiscountsSet() {
    return this.#money(this.#item.unitPriceCents);
  }
  get originalTotalSet() {
    return this.#money(this.#item.unitPriceCents * this.#item.quantity);
  }
  discountedTotalSet() {
    return this.#money(this.#item.unitPriceCents * this.#item.quantity);
  }
  get totalDiscountSet() {
    return this.#money(0);
  }
}

export function customerView(ctx: ViewContext, record: CustomerRecord, orders?: OrderRecord[]): View {
  return new CustomerView(ctx, record, orders) as unknown as View;
}

export function orderView(ctx: ViewContext, order: OrderRecord, customer?: CustomerRecord | null): View {
  return new OrderView(ctx, order, customer) as unknown as View;
}

export function lineItemView(ctx: ViewContext, order: OrderRecord, li: LineItemRecord): View {
  return new LineItemView(ctx, order, li) as unknown as View;
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

/** The app's own installation: its id and its app-data metafields. */
export function appInstallationView(ctx: ViewContext): View {
  const { store } = ctx;
  const fields = () => [...store.appInstallationMetafields().values()];
  return {
    __typename: "AppInstallation",
    id: gid("AppInstallation", store.appInstallationId),
    activeSubscriptions: () =>
      store.activeAppSubscriptions().map((s) => ({
        __typename: "AppSubscription",
        id: gid("AppSubscription", s.id),
        name: s.name,
        status: s.status,
        test: s.test,
        trialDays: s.trialDays,
        createdAt: isoTime(s.createdAt),
        currentPeriodEnd: isoTime(s.currentPeriodEnd),
      })),
    metafield: (args: { namespace?: string | null; key: string }) => {
      const field = store.appInstallationMetafields().get(`${resolveNamespace(ctx, args.namespace)}.${args.key}`);
      return field ? metafieldView(ctx, field) : null;
    },
    metafields: (args: { namespace?: string | null }) => {
      const namespace =
        args.namespace === undefined || args.namespace === null ? null : resolveNamespace(ctx, args.namespace);
      return Listing.ofArray(
        fields()
          .filter((m) => namespace === null || m.namespace === namespace)
          .map((m) => metafieldView(ctx, m)),
      );
    },
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
    jsonValue: () => jsonValueOf(field.type, field.value),
    compareDigest: Buffer.from(`${field.id}:${field.updatedAt}`).toString("base64url"),
    createdAt: isoTime(field.createdAt),
    updatedAt: isoTime(field.updatedAt),
    // Shopify's enum names an app installation's metafields API_PERMISSION.
    ownerType: field.ownerType === "APP_INSTALLATION" ? "API_PERMISSION" : field.ownerType,
    owner: () => {
      if (field.ownerType === "APP_INSTALLATION") return appInstallationView(ctx);
      const owner = ctx.store.customer(field.ownerId);
      return owner ? customerView(ctx, owner.record, owner.orders) : null;
    },
    definition: () => {
      for (const d of ctx.store.metafieldDefinitions.values())
        if (d.namespace === field.namespace && d.key === field.key && d.ownerType === field.ownerType)
          return metafieldDefinitionView(d);
      return null;
    },
  };
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
    type: definitionTypeView(d.type),
    pinnedPosition: null,
  };
}

/** `MetafieldDefinitionType` of a type name, with Shopify's category for it. */
function definitionTypeView(type: string) {
  const base = type.replace(/^list\./, "");
  let category = base.split("_")[0].toUpperCase();
  if (base.endsWith("_reference")) category = "REFERENCE";
  else if (base.endsWith("text_field") || base === "rich_text_field") category = "TEXT";
  else if (base === "date" || base === "date_time") category = "DATE_TIME";
  else if (base === "boolean") category = "TRUE_FALSE";
  return { name: type, category };
}

export function productView(ctx: ViewContext, product: ProductRecord): View {
  const variant = {
    __typename: "ProductVariant",
    id: gid("ProductVariant", variantIdOf(product.id)),
    title: "Default Title",
    sku: product.sku,
    price: money(product.priceCents),
    createdAt: isoTime(product.createdAt),
    updatedAt: isoTime(product.updatedAt),
  };
  const view: View = {
    __typename: "Product",
    id: gid("Product", product.id),
    legacyResourceId: String(product.id),
    title: product.title,
    productType: product.productType,
    handle: product.title.toLowerCase().replace(/\W+/g, "-"),
    vendor: product.vendor,
    status: "ACTIVE",
    createdAt: isoTime(product.createdAt),
    updatedAt: isoTime(product.updatedAt),
    variants: () => Listing.ofArray([{ ...variant, product: view }]),
    collections: () => Listing.ofArray(ctx.store.collectionsOfProduct(product.id).map((c) => collectionView(ctx, c))),
  };
  return view;
}

/** A collection (custom or smart alike); `products` pages over what it holds now, by product id. */
export function collectionView(ctx: ViewContext, collection: CollectionRecord): View {
  return {
    __typename: "Collection",
    id: gid("Collection", collection.id),
    legacyResourceId: String(collection.id),
    title: collection.title,
    handle: collection.handle,
    updatedAt: isoTime(collection.updatedAt),
    productsCount: { count: collection.productIds.length, precision: "EXACT" },
    products: () =>
      new Listing(function* (after) {
        const afterId = after === null ? -1 : decodeCursor(after, "cp");
        for (const id of [...collection.productIds].sort((a, b) => a - b)) {
          const product = id > afterId ? ctx.store.product(id) : null;
          if (product) yield { cursor: encodeCursor("cp", id), node: productView(ctx, product) };
        }
      }),
  };
}

/** The shop's current collections as a listing; the cursor is the collection id. */
export function collectionsListing(ctx: ViewContext, accept: (record: CollectionRecord) => boolean): Listing {
  return new Listing(function* (after) {
    const afterId = after === null ? -1 : decodeCursor(after, "k");
    for (const record of ctx.store.collections())
      if (record.id > afterId && accept(record))
        yield { cursor: encodeCursor("k", record.id), node: collectionView(ctx, record) };
  });
}

/** The shop's current products as a listing; the cursor is the product id (ids only grow). */
export function productsListing(ctx: ViewContext, accept: (record: ProductRecord) => boolean): Listing {
  return new Listing(function* (after) {
    const afterId = after === null ? -1 : decodeCursor(after, "p");
    const products = ctx.store.products().sort((a, b) => a.id - b.id);
    for (const record of products)
      if (record.id > afterId && accept(record))
        yield { cursor: encodeCursor("p", record.id), node: productView(ctx, record) };
  });
}

export function metaobjectView(ctx: ViewContext, record: MetaobjectRecord): View {
  const definition = ctx.store.metaobjectDefinition(record.type)!;
  const field = (fieldDefinition: MetaobjectFieldDefinitionRecord) =>
    metaobjectFieldView(ctx, fieldDefinition, record.fields[fieldDefinition.key] ?? null);
  const displayField = definition.displayNameKey === null ? undefined : record.fields[definition.displayNameKey];
  return {
    __typename: "Metaobject",
    id: gid("Metaobject", record.id),
    handle: record.handle,
    type: record.type,
    displayName: displayField || `${definition.name} #${record.id}`,
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
    // Every field of the definition, in its order; unset ones with a null value.
    fields: () => definition.fields.map(field),
    field: ({ key }: { key: string }) => {
      const fieldDefinition = definition.fields.find((f) => f.key === key);
      return fieldDefinition ? field(fieldDefinition) : null;
    },
    definition: () => metaobjectDefinitionView(ctx, definition),
  };
}

function metaobjectFieldView(
  ctx: ViewContext,
  definition: MetaobjectFieldDefinitionRecord,
  value: string | null,
): View {
  const listed = definition.type.startsWith("list.");
  return {
    __typename: "MetaobjectField",
    key: definition.key,
    type: definition.type,
    value,
    jsonValue: () => (value === null ? null : jsonValueOf(definition.type, value)),
    definition: () => metaobjectFieldDefinitionView(definition),
    reference: () => (value === null || listed ? null : referenceView(ctx, definition.type, value)),
    references: () => {
      if (value === null || !listed) return null;
      const targets = (JSON.parse(value) as string[]).map((target) =>
        referenceView(ctx, definition.type.slice(5), target),
      );
      return Listing.ofArray(targets.filter((view) => view !== null));
    },
  };
}

/** The record a `*_reference` value points at (null for other types and deleted records). */
function referenceView(ctx: ViewContext, type: string, value: string): View | null {
  const { store } = ctx;
  switch (type) {
    case "product_reference": {
      const product = store.product(parseGid(value, "Product") ?? -1);
      return product ? productView(ctx, product) : null;
    }
    case "customer_reference": {
      const customer = store.customer(parseGid(value, "Customer") ?? -1);
      return customer ? customerView(ctx, customer.record, customer.orders) : null;
    }
    case "metaobject_reference": {
      const metaobject = store.metaobjects.get(parseGid(value, "Metaobject") ?? -1);
      return metaobject ? metaobjectView(ctx, metaobject) : null;
    }
    default:
      return null;
  }
}

export function metaobjectDefinitionView(ctx: ViewContext, d: MetaobjectDefinitionRecord): View {
  return {
    __typename: "MetaobjectDefinition",
    id: gid("MetaobjectDefinition", d.id),
    type: d.type,
    name: d.name,
    description: d.description,
    displayNameKey: d.displayNameKey,
    fieldDefinitions: d.fields.map(metaobjectFieldDefinitionView),
    metaobjectsCount: () => ctx.store.metaobjectsOfType(d.type).length,
    metaobjects: () => metaobjectsListing(ctx, d.type, () => true),
  };
}

function metaobjectFieldDefinitionView(f: MetaobjectFieldDefinitionRecord) {
  return {
    key: f.key,
    name: f.name,
    description: f.description,
    required: f.required,
    type: definitionTypeView(f.type),
    validations: [],
  };
}

/** Metaobjects of one type, oldest first; the cursor is the id, so deletions between pages are safe. */
export function metaobjectsListing(
  ctx: ViewContext,
  type: string,
  accept: (record: MetaobjectRecord) => boolean,
): Listing {
  return new Listing(function* (after) {
    const afterId = after === null ? -1 : decodeCursor(after, "m");
    for (const record of ctx.store.metaobjectsOfType(type)) {
      if (record.id > afterId && accept(record))
        yield { cursor: encodeCursor("m", record.id), node: metaobjectView(ctx, record) };
    }
  });
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
export function customersListing(
  ctx: ViewContext,
  accept: (record: CustomerRecord, orders: OrderRecord[]) => boolean,
): Listing {
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
    for (const { order, customer, slot, index } of ctx.store.orders(fromSlot)) {
      if (slot === fromSlot && index <= fromIndex) continue;
      if (accept(order)) yield { cursor: encodeCursor("o", slot, index), node: orderView(ctx, order, customer) };
    }
  });
}
