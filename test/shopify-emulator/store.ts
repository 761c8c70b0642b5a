// One emulated shop's state: the seeded generator plus an overlay of everything that changed
// since (edits, deletions, created records, tags, metafields, metaobjects, segments, bulk
// operations).
// Reads rebuild generated slots on demand, so big shops stay small in memory.
import type { ReceivedFlowTrigger } from "./flow";
import {
  ORDERS_PER_SLOT,
  ShopGenerator,
  orderCurrentTotalCents,
  orderTotalCents,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
  type Product,
  type RefundRecord,
} from "./generator";
import {
  collectionDeletePayload,
  collectionPayload,
  customerPayload,
  emailConsentPayload,
  orderPayload,
  productPayload,
  refundPayload,
  smsConsentPayload,
} from "./rest-payloads";
import { startOfUtcDay } from "./clock";

export type PlanName = "basic" | "standard" | "advanced" | "plus" | "enterprise" | "development";

/** Shopify's GraphQL Admin cost limits per plan (points, points/second). */
export const PLAN_THROTTLES: Record<PlanName, ThrottleConfig> = {
  development: { maximumAvailable: 2000, restoreRate: 100 },
  basic: { maximumAvailable: 2000, restoreRate: 100 },
  standard: { maximumAvailable: 2000, restoreRate: 100 },
  advanced: { maximumAvailable: 4000, restoreRate: 200 },
  plus: { maximumAvailable: 20000, restoreRate: 1000 },
  enterprise: { maximumAvailable: 40000, restoreRate: 2000 },
};

export interface ThrottleConfig {
  maximumAvailable: number;
  restoreRate: number;
}

export interface ShopOptions {
  customers?: number;
  seed?: string | number;
  plan?: PlanName;
  currency?: string;
  timezone?: string;
  name?: string;
  /** End of the generated history (default: the start of the emulated clock's current UTC day). */
  now?: Date | string | number;
  /** Overrides the plan's throttle. */
  throttle?: ThrottleConfig;
  /** Guest checkouts as a share of customers (default 0.08). */
  guestShare?: number;
  /** Length of the generated history in years (default 2). */
  years?: number;
  /** Share of generated customers opted out of data sale/sharing (default 0; see generator.ts). */
  dataSaleOptOutShare?: number;
  /**
   * The app's subscription the shop starts with (Shopify App Pricing): the plan's name, or null for
   * none. Default "Pro", so that every existing test sees every feature; a test of pricing passes
   * null or a plan and changes it with `subscribeApp` / `cancelAppSubscription`.
   */
  appSubscription?: string | null;
}

/** A subscription of the app (`AppSubscription`), as Shopify's hosted plan page makes them. */
export interface AppSubscriptionRecord {
  id: number;
  name: string;
  status: "ACTIVE" | "CANCELLED" | "DECLINED" | "EXPIRED" | "FROZEN" | "PENDING";
  test: boolean;
  trialDays: number;
  createdAt: number;
  updatedAt: number;
  currentPeriodEnd: number | null;
}

/** A product as the shop has it now: the generated catalog's, or one created or edited since. */
export interface ProductRecord extends Product {
  vendor: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * A collection as the shop has it now. `productIds` is what the collection holds (a custom
 * collection's products; for a smart one, what Shopify's evaluation of its rules gives): deleted
 * products are left out when it is read.
 */
export interface CollectionRecord {
  id: number;
  title: string;
  handle: string;
  productIds: number[];
  createdAt: number;
  updatedAt: number;
}

/**
 * The generated shop's collections, from its catalog without drawing randomness (so adding them
 * moved no other generated value): products pick collections by their catalog number, so
 * collections overlap and some products are in none.
 */
const GENERATED_COLLECTIONS: { title: string; every: number; offset: number }[] = [
  { title: "Bestsellers", every: 3, offset: 0 },
  { title: "Gift ideas", every: 4, offset: 1 },
  { title: "Staff picks", every: 5, offset: 2 },
];

const handleOf = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

/** Products created after seeding are numbered from the shop's product base plus this. */
const CREATED_PRODUCT_OFFSET = 500;

export interface CustomerSnapshot {
  record: CustomerRecord;
  orders: OrderRecord[];
}

export interface MetafieldRecord {
  id: number;
  /** A customer, or the app's installation (app-data metafields). */
  ownerType: "CUSTOMER" | "APP_INSTALLATION";
  ownerId: number;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: number;
  updatedAt: number;
}

export interface MetafieldDefinitionRecord {
  id: number;
  namespace: string;
  key: string;
  name: string;
  type: string;
  ownerType: string;
  description: string | null;
}

export interface MetaobjectFieldDefinitionRecord {
  key: string;
  name: string;
  type: string;
  required: boolean;
  description: string | null;
}

export interface MetaobjectDefinitionRecord {
  id: number;
  /** Resolved: `$app:<name>` is stored as `app--<appId>--<name>`, as Shopify reports it. */
  type: string;
  name: string;
  description: string | null;
  displayNameKey: string | null;
  fields: MetaobjectFieldDefinitionRecord[];
}

export interface MetaobjectRecord {
  id: number;
  type: string;
  handle: string;
  /** Field key → value (as sent, a string); keys without a value are absent. */
  fields: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentRecord {
  id: number;
  name: string;
  query: string;
  createdAt: number;
  updatedAt: number;
}

export type BulkStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED";

export interface BulkOperationRecord {
  id: number;
  type: "QUERY" | "MUTATION";
  status: BulkStatus;
  query: string;
  createdAt: number;
  completedAt: number | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  /** Absolute path of the JSONL result on disk, once written. */
  resultFile: string | null;
  url: string | null;
}

export type Announce = (topic: string, payload: unknown) => void;

export interface CustomerTotals {
  /** Orders that are not test orders (cancelled ones included, as on Shopify). */
  numberOfOrders: number;
  /** Sum of current totals (after refunds) of non-test orders, in shop-currency cents. */
  amountSpentCents: number;
}

let nextObjectId = 1;
/** Ids for objects that only exist in the overlay (segments, metafields, bulk operations...). */
export function newObjectId(): number {
  return 30_000_000_000 + nextObjectId++;
}

export class ShopStore {
  readonly domain: string;
  readonly id: number;
  readonly name: string;
  readonly currency: string;
  readonly timezone: string;
  readonly plan: PlanName;
  readonly generator: ShopGenerator;
  readonly createdAt: number;
  throttle: ThrottleConfig;

  readonly metafields = new Map<number, Map<string, MetafieldRecord>>();
  /** The installation of the app under test on this shop (`currentAppInstallation`). */
  readonly appInstallationId = newObjectId();
  readonly metafieldDefinitions = new Map<number, MetafieldDefinitionRecord>();
  readonly metaobjectDefinitions = new Map<number, MetaobjectDefinitionRecord>();
  readonly metaobjects = new Map<number, MetaobjectRecord>();
  readonly segments = new Map<number, SegmentRecord>();
  readonly bulkOperations = new Map<number, BulkOperationRecord>();
  /** Staged upload key → uploaded file contents. */
  readonly stagedUploads = new Map<string, Buffer | null>();
  /** Flow triggers the app sent that Flow accepted (`flowTriggerReceive`), in order. */
  readonly flowTriggersReceived: ReceivedFlowTrigger[] = [];
  /** Every subscription of the app on this shop, oldest first (the active one has status ACTIVE). */
  readonly appSubscriptions: AppSubscriptionRecord[] = [];

  private readonly customerPatches = new Map<number, CustomerRecord | null>();
  private readonly productPatches = new Map<number, ProductRecord | null>();
  private readonly createdProductIds: number[] = [];
  /** Every collection by id, generated ones included (null: deleted); made on first use. */
  private collectionState: Map<number, CollectionRecord | null> | null = null;
  private readonly orderPatches = new Map<number, OrderRecord | null>();
  private readonly createdOrdersBySlot = new Map<number, number[]>();
  private readonly createdOrderSlots = new Map<number, number>();
  private readonly createdSlots: number[] = [];
  private nextSlot: number;
  private nextCreatedOrderId: number;

  constructor(
    domain: string,
    shopIndex: number,
    options: ShopOptions,
    private readonly announce: Announce,
    /** The emulated world's clock (see clock.ts): when created orders are placed. */
    readonly clock: () => number,
  ) {
    this.domain = domain;
    this.id = 60_000_000_000 + shopIndex;
    this.name = options.name ?? domain.replace(/\.myshopify\.com$/, "").replace(/-/g, " ");
    this.currency = options.currency ?? "USD";
    this.timezone = options.timezone ?? "America/New_York";
    this.plan = options.plan ?? "standard";
    this.throttle = options.throttle ?? PLAN_THROTTLES[this.plan];
    this.generator = new ShopGenerator({
      seed: options.seed ?? domain,
      customers: options.customers ?? 100,
      currency: this.currency,
      now: options.now ?? startOfUtcDay(this.clock()),
      guestShare: options.guestShare,
      years: options.years,
      shopIndex,
      dataSaleOptOutShare: options.dataSaleOptOutShare,
    });
    this.createdAt = this.generator.since - 30 * 86_400_000;
    this.nextSlot = this.generator.slotCount;
    this.nextCreatedOrderId = this.generator.ids.createdOrder;
    const initial = options.appSubscription === undefined ? "Pro" : options.appSubscription;
    if (initial !== null) this.subscribeApp(initial, { announce: false });
  }

  // ---- reads -------------------------------------------------------------------------

  /** Slots in iteration order: generated ones, then those created after seeding. */
  *slots(fromSlot = 0): Generator<number, void, undefined> {
    for (let s = fromSlot; s < this.generator.slotCount; s++) yield s;
    for (const s of this.createdSlots) if (s >= fromSlot) yield s;
  }

  /** The current content of a slot (generated data with the overlay applied). */
  slot(slot: number): { customer: CustomerRecord | null; orders: OrderRecord[] } {
    const generated = slot < this.generator.slotCount ? this.generator.slot(slot) : { customer: null, orders: [] };
    let customer = generated.customer;
    if (this.customerPatches.has(slot)) customer = this.customerPatches.get(slot) ?? null;
    const orders: OrderRecord[] = [];
    for (const order of generated.orders) {
      const current = this.orderPatches.has(order.id) ? this.orderPatches.get(order.id) : order;
      if (current) orders.push(current);
    }
    for (const id of this.createdOrdersBySlot.get(slot) ?? []) {
      const order = this.orderPatches.get(id);
      if (order) orders.push(order);
    }
    if (!customer) for (const order of orders) if (order.customerId !== null) order.customerId = null;
    return { customer, orders };
  }

  *customers(fromSlot = 0): Generator<CustomerSnapshot & { slot: number }, void, undefined> {
    for (const slot of this.slots(fromSlot)) {
      if (!this.hasCustomerSlot(slot)) continue;
      const { customer, orders } = this.slot(slot);
      if (customer) yield { slot, record: customer, orders };
    }
  }

  /** Every order with its customer (null for guest checkouts), in slot order. */
  *orders(
    fromSlot = 0,
  ): Generator<{ order: OrderRecord; customer: CustomerRecord | null; slot: number; index: number }, void, undefined> {
    for (const slot of this.slots(fromSlot)) {
      const { customer, orders } = this.slot(slot);
      for (let index = 0; index < orders.length; index++) yield { order: orders[index], customer, slot, index };
    }
  }

  customer(id: number): CustomerSnapshot | null {
    const slot = this.customerSlot(id);
    if (slot === null) return null;
    const { customer, orders } = this.slot(slot);
    return customer ? { record: customer, orders } : null;
  }

  order(id: number): OrderRecord | null {
    const slot = this.orderSlot(id);
    if (slot === null) return null;
    return this.slot(slot).orders.find((o) => o.id === id) ?? null;
  }

  customerTotals(snapshot: CustomerSnapshot): CustomerTotals {
    let numberOfOrders = 0;
    let amountSpentCents = 0;
    for (const order of snapshot.orders) {
      if (order.test) continue;
      numberOfOrders++;
      amountSpentCents += orderCurrentTotalCents(order);
    }
    return { numberOfOrders, amountSpentCents };
  }

  /** The shop's products as they are now: the catalog (cheapest first), then created ones; deleted ones left out. */
  products(): ProductRecord[] {
    const out: ProductRecord[] = [];
    for (const generated of this.generator.products) {
      const current = this.productPatches.has(generated.id)
        ? this.productPatches.get(generated.id)
        : this.generatedProduct(generated);
      if (current) out.push(current);
    }
    for (const id of this.createdProductIds) {
      const created = this.productPatches.get(id);
      if (created) out.push(created);
    }
    return out;
  }

  /** A product as it is now; null when it never existed or was deleted. */
  product(id: number): ProductRecord | null {
    if (this.productPatches.has(id)) return this.productPatches.get(id) ?? null;
    const generated = this.generator.products.find((p) => p.id === id);
    return generated ? this.generatedProduct(generated) : null;
  }

  private generatedProduct(product: Product): ProductRecord {
    return { ...product, createdAt: this.createdAt, updatedAt: this.createdAt };
  }

  private collectionMap(): Map<number, CollectionRecord | null> {
    if (this.collectionState) return this.collectionState;
    const state = new Map<number, CollectionRecord | null>();
    GENERATED_COLLECTIONS.forEach((c, k) => {
      const productIds = this.generator.products
        .map((p) => p.id)
        .filter((id) => (id - this.generator.ids.product) % c.every === c.offset)
        .sort((a, b) => a - b);
      const id = this.generator.ids.collection + k;
      state.set(id, {
        id,
        title: c.title,
        handle: handleOf(c.title),
        productIds,
        createdAt: this.createdAt,
        updatedAt: this.createdAt,
      });
    });
    return (this.collectionState = state);
  }

  /** The shop's collections as they are now, by id; deleted ones left out; products as in `collection(id)`. */
  collections(): CollectionRecord[] {
    return [...this.collectionMap().keys()]
      .sort((a, b) => a - b)
      .map((id) => this.collection(id))
      .filter((c): c is CollectionRecord => c !== null);
  }

  /** A collection as it is now (deleted products left out); null when it never existed or was deleted. */
  collection(id: number): CollectionRecord | null {
    const record = this.collectionMap().get(id);
    if (!record) return null;
    return { ...record, productIds: record.productIds.filter((p) => this.product(p) !== null) };
  }

  /** The collections a product is in now, by id. */
  collectionsOfProduct(productId: number): CollectionRecord[] {
    return this.collections().filter((c) => c.productIds.includes(productId));
  }

  /** The definition of a metaobject type; app-owned types as `app--<appId>--<name>`. */
  metaobjectDefinition(type: string): MetaobjectDefinitionRecord | null {
    for (const definition of this.metaobjectDefinitions.values()) if (definition.type === type) return definition;
    return null;
  }

  /** Metaobjects of one (resolved) type, oldest first. */
  metaobjectsOfType(type: string): MetaobjectRecord[] {
    return [...this.metaobjects.values()].filter((m) => m.type === type);
  }

  metaobjectByHandle(type: string, handle: string): MetaobjectRecord | null {
    for (const m of this.metaobjects.values()) if (m.type === type && m.handle === handle) return m;
    return null;
  }

  customerMetafields(customerId: number): Map<string, MetafieldRecord> {
    return this.ownerMetafields(customerId);
  }

  /** The app's app-data metafields (owner: its AppInstallation), by `namespace.key`. */
  appInstallationMetafields(): Map<string, MetafieldRecord> {
    return this.ownerMetafields(this.appInstallationId);
  }

  ownerMetafields(ownerId: number): Map<string, MetafieldRecord> {
    let fields = this.metafields.get(ownerId);
    if (!fields) this.metafields.set(ownerId, (fields = new Map()));
    return fields;
  }

  /** The subscriptions `currentAppInstallation.activeSubscriptions` lists. */
  activeAppSubscriptions(): AppSubscriptionRecord[] {
    return this.appSubscriptions.filter((s) => s.status === "ACTIVE");
  }

  // ---- changes that Shopify would announce with webhooks --------------------------------

  /**
   * The merchant picks a plan on Shopify's hosted plan page: the new subscription is ACTIVE at once
   * (approved there) and replaces the active one, which becomes CANCELLED. Each change is
   * announced with `app_subscriptions/update` (the replaced one first), as Shopify does.
   */
  subscribeApp(
    name: string,
    options: { test?: boolean; trialDays?: number; announce?: boolean } = {},
  ): AppSubscriptionRecord {
    const now = this.clock();
    for (const current of this.activeAppSubscriptions()) this.setSubscriptionStatus(current, "CANCELLED", options);
    const record: AppSubscriptionRecord = {
      id: newObjectId(),
      name,
      status: "ACTIVE",
      test: options.test ?? false,
      trialDays: options.trialDays ?? 0,
      createdAt: now,
      updatedAt: now,
      currentPeriodEnd: now + 30 * 86_400_000,
    };
    this.appSubscriptions.push(record);
    if (options.announce !== false) this.announce("app_subscriptions/update", appSubscriptionPayload(this, record));
    return record;
  }

  /** The merchant cancels the app's plan (or Shopify does, e.g. at uninstall): CANCELLED, announced. */
  cancelAppSubscription(options: { announce?: boolean } = {}): AppSubscriptionRecord | null {
    const [current] = this.activeAppSubscriptions();
    if (!current) return null;
    this.setSubscriptionStatus(current, "CANCELLED", options);
    return current;
  }

  /** Any other status change (FROZEN when a store's billing fails, ACTIVE again when it is fixed), announced. */
  setSubscriptionStatus(
    record: AppSubscriptionRecord,
    status: AppSubscriptionRecord["status"],
    options: { announce?: boolean } = {},
  ): void {
    record.status = status;
    record.updatedAt = Math.max(this.clock(), record.updatedAt + 1000);
    if (options.announce !== false) this.announce("app_subscriptions/update", appSubscriptionPayload(this, record));
  }

  createCustomer(input: Partial<Omit<CustomerRecord, "id">> = {}): CustomerRecord {
    const slot = this.nextSlot++;
    const now = Math.floor(this.clock() / 1000) * 1000;
    const customer: CustomerRecord = {
      id: this.generator.ids.customer + slot,
      firstName: input.firstName ?? "New",
      lastName: input.lastName ?? `Customer ${slot}`,
      email: input.email ?? `new.customer.${slot}@example.com`,
      phone: input.phone ?? null,
      createdAt: input.createdAt ?? now,
      updatedAt: input.updatedAt ?? now,
      tags: input.tags ?? [],
      state: input.state ?? "DISABLED",
      verifiedEmail: input.verifiedEmail ?? true,
      locale: input.locale ?? "en",
      note: input.note ?? null,
      defaultAddress: input.defaultAddress ?? null,
      emailMarketingState: input.emailMarketingState ?? (input.email === null ? null : "NOT_SUBSCRIBED"),
      emailConsentUpdatedAt: input.emailConsentUpdatedAt ?? null,
      smsMarketingState: input.smsMarketingState ?? (input.phone ? "NOT_SUBSCRIBED" : null),
      smsConsentUpdatedAt: input.smsConsentUpdatedAt ?? null,
    };
    this.createdSlots.push(slot);
    this.customerPatches.set(slot, customer);
    this.announce("customers/create", customerPayload(this, customer));
    return customer;
  }

  updateCustomer(
    id: number,
    patch: Partial<Omit<CustomerRecord, "id">>,
    options: { announce?: boolean } = {},
  ): CustomerRecord {
    const slot = this.requireCustomerSlot(id);
    const current = this.slot(slot).customer!;
    const updated: CustomerRecord = {
      ...current,
      ...patch,
      updatedAt: patch.updatedAt ?? this.nextUpdatedAt(current.updatedAt),
    };
    this.customerPatches.set(slot, updated);
    if (options.announce !== false) this.announce("customers/update", customerPayload(this, updated));
    return updated;
  }

  /**
   * A customer's email or SMS marketing consent changes: announced on its own topic
   * (customers_email_marketing_consent/update, customers_marketing_consent/update), as since API
   * 2025-01; the customer's updated_at moves too, without a customers/update.
   */
  updateMarketingConsent(
    id: number,
    channel: "email" | "sms",
    state: NonNullable<CustomerRecord["emailMarketingState"]>,
  ): CustomerRecord {
    const slot = this.requireCustomerSlot(id);
    const current = this.slot(slot).customer!;
    // As Shopify: consent needs the address or number it is for.
    if (channel === "email" ? !current.email : !current.phone)
      throw new Error(`Customer ${id} has no ${channel === "email" ? "email address" : "phone number"}`);
    const at = this.nextUpdatedAt(current.updatedAt);
    const updated: CustomerRecord =
      channel === "email"
        ? { ...current, emailMarketingState: state, emailConsentUpdatedAt: at, updatedAt: at }
        : {
            ...current,
            smsMarketingState: state as CustomerRecord["smsMarketingState"],
            smsConsentUpdatedAt: at,
            updatedAt: at,
          };
    this.customerPatches.set(slot, updated);
    if (channel === "email")
      this.announce("customers_email_marketing_consent/update", emailConsentPayload(this, updated));
    else this.announce("customers_marketing_consent/update", smsConsentPayload(this, updated));
    return updated;
  }

  deleteCustomer(id: number): void {
    const slot = this.requireCustomerSlot(id);
    this.customerPatches.set(slot, null);
    this.metafields.delete(id);
    this.announce("customers/delete", {
      id,
      phone: null,
      addresses: [],
      tax_exemptions: [],
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
    });
  }

  createProduct(input: Partial<Omit<ProductRecord, "id" | "createdAt" | "updatedAt">> = {}): ProductRecord {
    const n = this.createdProductIds.length;
    const now = Math.floor(this.clock() / 1000) * 1000;
    const product: ProductRecord = {
      id: this.generator.ids.product + CREATED_PRODUCT_OFFSET + n,
      title: input.title ?? `New Product ${n + 1}`,
      productType: input.productType ?? "",
      vendor: input.vendor ?? this.name,
      sku: input.sku ?? `SKU-NEW-${n + 1}`,
      priceCents: input.priceCents ?? 2500,
      createdAt: now,
      updatedAt: now,
    };
    this.createdProductIds.push(product.id);
    this.productPatches.set(product.id, product);
    this.announce("products/create", productPayload(this, product));
    return product;
  }

  updateProduct(
    id: number,
    patch: Partial<Pick<ProductRecord, "title" | "productType" | "vendor" | "priceCents">>,
  ): ProductRecord {
    const current = this.product(id);
    if (!current) throw new Error(`No product ${id} in ${this.domain}`);
    const updated: ProductRecord = { ...current, ...patch, updatedAt: this.nextUpdatedAt(current.updatedAt) };
    this.productPatches.set(id, updated);
    this.announce("products/update", productPayload(this, updated));
    return updated;
  }

  /** Deletes a product; orders keep their line items, which no longer link to it (as on Shopify). */
  deleteProduct(id: number): void {
    if (!this.product(id)) throw new Error(`No product ${id} in ${this.domain}`);
    this.productPatches.set(id, null);
    this.announce("products/delete", { id });
  }

  /** A new collection with these products → collections/create (whose payload lists no products, as Shopify's). */
  createCollection(input: { title: string; handle?: string; productIds?: number[] }): CollectionRecord {
    const state = this.collectionMap();
    const id =
      this.generator.ids.collection +
      100 +
      [...state.keys()].filter((k) => k >= this.generator.ids.collection + 100).length;
    const now = Math.floor(this.clock() / 1000) * 1000;
    for (const productId of input.productIds ?? [])
      if (!this.product(productId)) throw new Error(`No product ${productId} in ${this.domain}`);
    const record: CollectionRecord = {
      id,
      title: input.title,
      handle: input.handle ?? handleOf(input.title),
      productIds: [...new Set(input.productIds ?? [])],
      createdAt: now,
      updatedAt: now,
    };
    state.set(id, record);
    this.announce("collections/create", collectionPayload(this, record));
    return this.collection(id)!;
  }

  /**
   * Changes a collection's title, handle or products → collections/update (the emulator announces a
   * change of products too, with a later `updated_at`; the payload lists no products either way).
   */
  updateCollection(
    id: number,
    patch: Partial<Pick<CollectionRecord, "title" | "handle" | "productIds">>,
    options: { announce?: boolean } = {},
  ): CollectionRecord {
    const state = this.collectionMap();
    const current = state.get(id);
    if (!current) throw new Error(`No collection ${id} in ${this.domain}`);
    for (const productId of patch.productIds ?? [])
      if (!this.product(productId)) throw new Error(`No product ${productId} in ${this.domain}`);
    const updated: CollectionRecord = {
      ...current,
      ...patch,
      productIds: patch.productIds ? [...new Set(patch.productIds)] : current.productIds,
      updatedAt: this.nextUpdatedAt(current.updatedAt),
    };
    state.set(id, updated);
    if (options.announce !== false) this.announce("collections/update", collectionPayload(this, updated));
    return this.collection(id)!;
  }

  /** Deletes a collection → collections/delete (`{ id }`); its products stay. */
  deleteCollection(id: number): void {
    const state = this.collectionMap();
    if (!state.get(id)) throw new Error(`No collection ${id} in ${this.domain}`);
    state.set(id, null);
    this.announce("collections/delete", collectionDeletePayload(id));
  }

  /** A new order; by default one line item of the cheapest product, bought now. */
  createOrder(
    input: {
      customerId?: number | null;
      /** `productId` names any current product; else `productIndex` picks from the generated catalog. */
      lineItems?: { productId?: number; productIndex?: number; quantity?: number; unitPriceCents?: number }[];
      processedAt?: number;
      presentmentCurrency?: string;
      test?: boolean;
      email?: string | null;
      /** Discount codes with their amounts (taken off the subtotal); none by default. */
      discountCodes?: OrderRecord["discountCodes"];
      /** Shopify's source name; "web" by default. */
      sourceName?: string;
    } = {},
  ): OrderRecord {
    const id = this.nextCreatedOrderId++;
    const customerId = input.customerId ?? null;
    let slot: number;
    let email = input.email ?? null;
    if (customerId !== null) {
      slot = this.requireCustomerSlot(customerId);
      email ??= this.slot(slot).customer?.email ?? null;
    } else {
      slot = this.nextSlot++;
      this.createdSlots.push(slot);
      email ??= `guest.${slot}@example.net`;
    }
    const at = Math.floor((input.processedAt ?? this.clock()) / 1000) * 1000;
    const products = this.generator.products;
    const lineItems: LineItemRecord[] = (input.lineItems ?? [{}]).map((li, j) => {
      const product =
        li.productId === undefined
          ? products[Math.min(products.length - 1, li.productIndex ?? 0)]
          : this.product(li.productId);
      if (!product) throw new Error(`No product ${li.productId} in ${this.domain}`);
      return {
        id: id * 10 + j,
        productId: product.id,
        productTitle: product.title,
        productType: product.productType,
        vendor: product.vendor,
        sku: product.sku,
        quantity: li.quantity ?? 1,
        unitPriceCents: li.unitPriceCents ?? product.priceCents,
      };
    });
    const subtotal = lineItems.reduce((sum, li) => sum + li.quantity * li.unitPriceCents, 0);
    const currency = input.presentmentCurrency ?? this.currency;
    const order: OrderRecord = {
      id,
      customerId,
      email,
      createdAt: at,
      processedAt: at,
      updatedAt: at,
      cancelledAt: null,
      cancelReason: null,
      test: input.test ?? false,
      presentmentCurrency: currency,
      presentmentRate: this.generator.rate(currency),
      lineItems,
      shippingCents: subtotal >= 7500 ? 0 : 690,
      taxCents: Math.round((subtotal - (input.discountCodes ?? []).reduce((sum, d) => sum + d.amountCents, 0)) * 0.08),
      refunds: [],
      tags: [],
      discountCodes: input.discountCodes ?? [],
      sourceName: input.sourceName ?? "web",
    };
    this.orderPatches.set(id, order);
    this.createdOrderSlots.set(id, slot);
    const list = this.createdOrdersBySlot.get(slot) ?? [];
    list.push(id);
    this.createdOrdersBySlot.set(slot, list);
    if (customerId !== null) this.touchCustomer(customerId, at);
    this.announce("orders/create", this.orderAnnouncement(order));
    return order;
  }

  updateOrder(id: number, patch: Partial<Pick<OrderRecord, "email" | "tags" | "processedAt" | "test">>): OrderRecord {
    const order = this.requireOrder(id);
    const updated: OrderRecord = { ...order, ...patch, updatedAt: this.nextUpdatedAt(order.updatedAt) };
    this.orderPatches.set(id, updated);
    this.announce("orders/updated", this.orderAnnouncement(updated));
    return updated;
  }

  /** Refunds `amountCents` (default: everything not yet refunded). Announces refunds/create and orders/updated. */
  refundOrder(id: number, options: { amountCents?: number; note?: string } = {}): RefundRecord {
    const order = this.requireOrder(id);
    const remaining = orderTotalCents(order) - order.refunds.reduce((s, r) => s + r.amountCents, 0);
    const amountCents = Math.min(remaining, options.amountCents ?? remaining);
    const at = this.nextUpdatedAt(order.updatedAt);
    const refund: RefundRecord = {
      id: order.id * 10 + 5 + order.refunds.length,
      createdAt: at,
      note: options.note ?? null,
      amountCents,
      lineItems:
        amountCents === remaining
          ? order.lineItems.map((li) => ({
              lineItemId: li.id,
              quantity: li.quantity,
              subtotalCents: li.quantity * li.unitPriceCents,
            }))
          : [],
    };
    const updated: OrderRecord = { ...order, refunds: [...order.refunds, refund], updatedAt: at };
    this.orderPatches.set(id, updated);
    this.announce("refunds/create", refundPayload(this, updated, refund));
    this.announce("orders/updated", this.orderAnnouncement(updated));
    return refund;
  }

  cancelOrder(id: number, reason: NonNullable<OrderRecord["cancelReason"]> = "CUSTOMER"): OrderRecord {
    const order = this.requireOrder(id);
    const at = this.nextUpdatedAt(order.updatedAt);
    const remaining = orderTotalCents(order) - order.refunds.reduce((s, r) => s + r.amountCents, 0);
    const refunds =
      remaining > 0
        ? [
            ...order.refunds,
            {
              id: order.id * 10 + 5 + order.refunds.length,
              createdAt: at,
              note: "Order cancelled",
              amountCents: remaining,
              lineItems: [],
            },
          ]
        : order.refunds;
    const updated: OrderRecord = { ...order, cancelledAt: at, cancelReason: reason, refunds, updatedAt: at };
    this.orderPatches.set(id, updated);
    this.announce("orders/cancelled", this.orderAnnouncement(updated));
    this.announce("orders/updated", this.orderAnnouncement(updated));
    return updated;
  }

  deleteOrder(id: number): void {
    this.requireOrder(id);
    this.orderPatches.set(id, null);
    this.announce("orders/delete", { id });
  }

  // ---- id mapping ---------------------------------------------------------------------

  customerSlot(id: number): number | null {
    const slot = id - this.generator.ids.customer;
    if (!Number.isInteger(slot) || slot < 0 || !this.hasCustomerSlot(slot)) return null;
    return slot;
  }

  orderSlot(id: number): number | null {
    const created = this.createdOrderSlots.get(id);
    if (created !== undefined) return created;
    const offset = id - this.generator.ids.order;
    if (!Number.isInteger(offset) || offset < 0) return null;
    const slot = Math.floor(offset / ORDERS_PER_SLOT);
    return slot < this.generator.slotCount ? slot : null;
  }

  private hasCustomerSlot(slot: number): boolean {
    return this.generator.isCustomerSlot(slot) || (slot >= this.generator.slotCount && this.customerPatches.has(slot));
  }

  private requireCustomerSlot(id: number): number {
    const slot = this.customerSlot(id);
    if (slot === null || !this.slot(slot).customer) throw new Error(`No customer ${id} in ${this.domain}`);
    return slot;
  }

  private requireOrder(id: number): OrderRecord {
    const order = this.order(id);
    if (!order) throw new Error(`No order ${id} in ${this.domain}`);
    return order;
  }

  private orderAnnouncement(order: OrderRecord) {
    const customer = order.customerId === null ? null : this.customer(order.customerId)?.record;
    return orderPayload(this, order, customer);
  }

  private touchCustomer(customerId: number, at: number): void {
    const slot = this.requireCustomerSlot(customerId);
    const current = this.slot(slot).customer!;
    this.customerPatches.set(slot, { ...current, updatedAt: Math.max(current.updatedAt, at) });
  }

  /** Strictly increasing updated_at, so "later updated_at wins" is testable even within one ms. */
  private nextUpdatedAt(previous: number): number {
    return Math.max(Math.ceil(this.clock() / 1000) * 1000, Math.floor(previous / 1000) * 1000 + 1000);
  }
}

/** `app_subscriptions/update`'s payload, in Shopify's shape. */
function appSubscriptionPayload(store: ShopStore, s: AppSubscriptionRecord) {
  return {
    app_subscription: {
      admin_graphql_api_id: `gid://shopify/AppSubscription/${s.id}`,
      name: s.name,
      status: s.status,
      admin_graphql_api_shop_id: `gid://shopify/Shop/${store.id}`,
      created_at: new Date(s.createdAt).toISOString(),
      updated_at: new Date(s.updatedAt).toISOString(),
      currency: store.currency,
      capped_amount: null,
    },
  };
}
