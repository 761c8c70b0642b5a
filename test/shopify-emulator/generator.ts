// Seeded, deterministic shop data. Every "slot" (a customer, or a guest checkout) is generated
// from its own random stream, so any customer and its orders can be rebuilt on demand from
// (seed, slot) alone: a 1,000,000-customer shop costs no memory until something changes it.
//
// Purchases follow a BG/NBD-like process (Fader, Hardie & Lee 2005): each customer buys at a
// Poisson rate λ ~ Gamma(r, α) while alive and drops out after any purchase with
// probability p ~ Beta(a, b). Basket value is heterogeneous across customers (price tier).
import { Random, deriveSeed, hashSeed } from "./random";

// Ids are unique across shops (as on Shopify) so an app that mixes up shops gets caught.
// Line item and refund ids are order id * 10 + n, which stays below 2^53.
/** Order ids of a slot are the shop's order base + slot * ORDERS_PER_SLOT + k. */
export const ORDERS_PER_SLOT = 1000;

export function idBases(shopIndex: number) {
  return {
    customer: 7_100_000_000_000 + shopIndex * 10_000_000_000,
    order: 5_200_000_000_000 + (shopIndex * 10_000_000_000_000) / 100,
    /** Orders created after seeding (test helpers) are numbered from here. */
    createdOrder: 4_000_000_000_000 + shopIndex * 1_000_000_000,
    product: 8_300_000_000_000 + shopIndex * 1000,
    /** The generated collections, then created ones (store.ts). */
    collection: 8_400_000_000_000 + shopIndex * 1000,
  };
}
const DAY_MS = 86_400_000;
const MAX_ORDERS_PER_CUSTOMER = 150;

/** Amounts are integer cents in shop currency; `presentmentRate` converts to the buyer's currency. */
export interface LineItemRecord {
  id: number;
  productId: number;
  productTitle: string;
  productType: string;
  /** The product's vendor when ordered (Shopify copies it onto the line). */
  vendor?: string;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface RefundRecord {
  id: number;
  createdAt: number;
  note: string | null;
  amountCents: number;
  lineItems: { lineItemId: number; quantity: number; subtotalCents: number }[];
}

export interface OrderRecord {
  id: number;
  customerId: number | null;
  email: string | null;
  createdAt: number;
  processedAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  cancelReason: "CUSTOMER" | "DECLINED" | "FRAUD" | "INVENTORY" | "OTHER" | "STAFF" | null;
  test: boolean;
  presentmentCurrency: string;
  presentmentRate: number;
  lineItems: LineItemRecord[];
  shippingCents: number;
  taxCents: number;
  refunds: RefundRecord[];
  tags: string[];
  /** Discount codes applied to the order (order-level: lines keep their prices, the subtotal drops). */
  discountCodes?: DiscountCodeRecord[];
  /** Shopify's source name: "web", "pos", "shopify_draft_order" or a sales-channel app's id. */
  sourceName?: string;
}

export interface DiscountCodeRecord {
  code: string;
  amountCents: number;
  type: "percentage" | "fixed_amount" | "shipping";
}

/** A customer's default address: what Shopify's MailingAddress carries (the app reads country, province, city). */
export interface AddressRecord {
  address1: string;
  city: string;
  province: string | null;
  provinceCode: string | null;
  country: string;
  countryCode: string;
  zip: string;
}

export type EmailMarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING" | "INVALID" | "REDACTED";
export type SmsMarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING" | "REDACTED";

export interface CustomerRecord {
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  createdAt: number;
  updatedAt: number;
  tags: string[];
  state: "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";
  verifiedEmail: boolean;
  locale: string;
  note: string | null;
  defaultAddress?: AddressRecord | null;
  /** Email consent (null: no email address); the instant it last changed (null: never). */
  emailMarketingState?: EmailMarketingState | null;
  emailConsentUpdatedAt?: number | null;
  /** SMS consent (null: no phone number). */
  smsMarketingState?: SmsMarketingState | null;
  smsConsentUpdatedAt?: number | null;
  /** Opted out of data sale/sharing (GraphQL `Customer.dataSaleOptOut`); absent: false. */
  dataSaleOptOut?: boolean;
}

export interface Product {
  id: number;
  title: string;
  productType: string;
  vendor: string;
  sku: string;
  priceCents: number;
}

export interface GeneratorOptions {
  seed: string | number;
  customers: number;
  /** Shop currency (ISO code). */
  currency?: string;
  /** End of the generated history (the shop's "now"): a seed and a now always mean the same data. */
  now: Date | string | number;
  /** Length of the history in years. */
  years?: number;
  /** Guest checkouts (orders without a customer), as a share of the customer count. */
  guestShare?: number;
  /** Distinguishes shops of one emulator so their ids never collide. */
  shopIndex?: number;
  /**
   * Share of customers opted out of data sale/sharing (default 0). Chosen by a hash of the slot,
   * not the slot's random stream, so every other generated value is the same whatever the share.
   */
  dataSaleOptOutShare?: number;
}

/** Units of each currency per US dollar; presentment amounts are derived from shop amounts. */
const USD_RATES: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.37, AUD: 1.52, CHF: 0.88, SEK: 10.6 };
const PRESENTMENT_CURRENCIES = ["EUR", "GBP", "CAD", "AUD"];
const FIRST_NAMES = [
  "Ava",
  "Liam",
  "Mia",
  "Noah",
  "Emma",
  "Lucas",
  "Sofia",
  "Leo",
  "Chloe",
  "Mateo",
  "Zoe",
  "Ethan",
  "Aria",
  "Kai",
  "Nora",
  "Omar",
  "Ines",
  "Yuki",
  "Lena",
  "Ravi",
];
const LAST_NAMES = [
  "Smith",
  "Garcia",
  "Müller",
  "Rossi",
  "Dubois",
  "Tanaka",
  "Nguyen",
  "Kowalski",
  "Silva",
  "Okafor",
  "Jensen",
  "Haddad",
  "Novak",
  "Brown",
  "Lopez",
  "Khan",
];
const PRODUCT_TYPES = ["Apparel", "Footwear", "Accessories", "Home", "Beauty", "Outdoor"];
const PRODUCT_NOUNS: Record<string, string[]> = {
  Apparel: ["Tee", "Hoodie", "Chinos", "Rain Jacket", "Linen Shirt"],
  Footwear: ["Runner", "Trail Shoe", "Sandal", "Boot"],
  Accessories: ["Cap", "Tote", "Wallet", "Sunglasses", "Scarf"],
  Home: ["Mug", "Candle", "Throw Blanket", "Planter"],
  Beauty: ["Lip Balm", "Face Oil", "Soap Bar", "Hand Cream"],
  Outdoor: ["Water Bottle", "Daypack", "Headlamp", "Camp Chair"],
};
// Where customers live: Canadian and US addresses with provinces (Ontario the largest), a few in the UK.
const REGIONS: {
  country: string;
  countryCode: string;
  weight: number;
  provinces: [string | null, string | null, number, string[]][];
}[] = [
  {
    country: "Canada",
    countryCode: "CA",
    weight: 0.4,
    provinces: [
      ["Ontario", "ON", 0.45, ["Toronto", "Ottawa", "Hamilton", "London", "Kingston"]],
      ["Quebec", "QC", 0.22, ["Montréal", "Québec", "Laval"]],
      ["British Columbia", "BC", 0.15, ["Vancouver", "Victoria", "Kelowna"]],
      ["Alberta", "AB", 0.12, ["Calgary", "Edmonton"]],
      ["Nova Scotia", "NS", 0.06, ["Halifax"]],
    ],
  },
  {
    country: "United States",
    countryCode: "US",
    weight: 0.52,
    provinces: [
      ["New York", "NY", 0.24, ["New York", "Buffalo", "Rochester"]],
      ["California", "CA", 0.26, ["Los Angeles", "San Francisco", "San Diego"]],
      ["Texas", "TX", 0.16, ["Austin", "Houston", "Dallas"]],
      ["Washington", "WA", 0.12, ["Seattle", "Spokane"]],
      ["Illinois", "IL", 0.12, ["Chicago"]],
      ["Massachusetts", "MA", 0.1, ["Boston", "Cambridge"]],
    ],
  },
  {
    country: "United Kingdom",
    countryCode: "GB",
    weight: 0.08,
    provinces: [[null, null, 1, ["London", "Manchester", "Leeds"]]],
  },
];
const STREETS = ["Maple Ave", "King St", "Queen St", "Main St", "Elm Rd", "Harbour Dr"];
const DISCOUNT_CODES: { code: string; type: DiscountCodeRecord["type"]; percent?: number; fixedCents?: number }[] = [
  { code: "WELCOME10", type: "percentage", percent: 10 },
  { code: "SPRING20", type: "percentage", percent: 20 },
  { code: "VIP15", type: "percentage", percent: 15 },
  { code: "SAVE5", type: "fixed_amount", fixedCents: 500 },
];
/** Sales-channel apps' source names (a marketplace, a subscription app): the "other" channel. */
const OTHER_SOURCES = ["1520611", "subscription_contract"];

/** How one customer buys: channel shares and how often they use a discount code. */
interface Habits {
  random: Random;
  pos: number;
  draft: number;
  other: number;
  discount: number;
}

// Brands across types (by catalog position, so no random draw moves the rest of the shop).
const VENDORS = ["Northwind Supply", "Alder & Co", "Fjord Goods", "Copper Kettle", "Juniper Works"];
const ADJECTIVES = ["Classic", "Everyday", "Organic", "Alpine", "Coastal", "Studio", "Heritage", "Urban"];

export class ShopGenerator {
  readonly customerCount: number;
  readonly guestCount: number;
  readonly currency: string;
  readonly until: number;
  readonly since: number;
  readonly products: Product[];
  readonly ids: ReturnType<typeof idBases>;
  private readonly seed: number;
  private readonly dataSaleOptOutShare: number;

  constructor(options: GeneratorOptions) {
    this.seed = hashSeed(options.seed);
    this.dataSaleOptOutShare = options.dataSaleOptOutShare ?? 0;
    this.customerCount = options.customers;
    this.guestCount = Math.round(options.customers * (options.guestShare ?? 0.08));
    this.currency = options.currency ?? "USD";
    this.until = new Date(options.now).getTime();
    if (!Number.isFinite(this.until)) throw new Error(`Shopify emulator: invalid generator now ${String(options.now)}`);
    this.since = this.until - Math.round((options.years ?? 2) * 365 * DAY_MS);
    this.ids = idBases(options.shopIndex ?? 0);
    this.products = this.buildCatalog();
  }

  /** Customer slots come first, then guest-checkout slots. */
  get slotCount(): number {
    return this.customerCount + this.guestCount;
  }

  isCustomerSlot(slot: number): boolean {
    return slot >= 0 && slot < this.customerCount;
  }

  /** The generated content of one slot: a customer with its orders, or one guest order. */
  slot(slot: number): { customer: CustomerRecord | null; orders: OrderRecord[] } {
    const random = new Random(deriveSeed(this.seed, slot));
    return this.isCustomerSlot(slot)
      ? this.customerSlot(slot, random)
      : { customer: null, orders: [this.guestOrder(slot, random)] };
  }

  /** Units of `currency` per unit of shop currency. */
  rate(currency: string): number {
    return (USD_RATES[currency] ?? 1) / (USD_RATES[this.currency] ?? 1);
  }

  private buildCatalog(): Product[] {
    const random = new Random(deriveSeed(this.seed, -1));
    const products: Product[] = [];
    for (let i = 0; i < 48; i++) {
      const productType = PRODUCT_TYPES[i % PRODUCT_TYPES.length];
      const title = `${random.pick(ADJECTIVES)} ${random.pick(PRODUCT_NOUNS[productType])}`;
      // Log-normal prices around 30 in shop currency, rounded to x.00 / x.50 / x.95 endings.
      const base = Math.exp(Math.log(30) + 0.7 * random.normal()) * this.rate(this.currency);
      const priceCents = Math.max(300, Math.round(base) * 100 + random.pick([0, 50, 95]));
      const vendor = VENDORS[i % VENDORS.length];
      products.push({ id: this.ids.product + i, title, productType, vendor, sku: `SKU-${1000 + i}`, priceCents });
    }
    return products.sort((a, b) => a.priceCents - b.priceCents);
  }

  private customerSlot(slot: number, random: Random): { customer: CustomerRecord; orders: OrderRecord[] } {
    const id = this.ids.customer + slot;
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const email = `${firstName}.${lastName}.${slot}@example.com`.toLowerCase().replace("ü", "u");
    // Acquisition grows over time: more customers joined recently.
    const createdAt = this.since + Math.floor((Math.pow(random.next(), 0.7) * (this.until - this.since)) / 1000) * 1000;
    const priceTier = random.beta(2, 3);
    const currency = random.chance(0.22) ? random.pick(PRESENTMENT_CURRENCIES) : this.currency;

    const habits = this.habits(slot);
    // BG/NBD: purchase rate per day while alive, and dropout probability after each purchase.
    const lambda = random.gamma(0.9, 1 / 50);
    const dropout = random.beta(0.8, 2.6);
    const orders: OrderRecord[] = [];
    if (!random.chance(0.12)) {
      let t = createdAt + random.int(0, 30) * 60_000;
      while (t < this.until && orders.length < MAX_ORDERS_PER_CUSTOMER) {
        orders.push(
          this.order(
            slot,
            orders.length,
            random,
            { customerId: id, email, processedAt: t, currency, priceTier },
            habits,
          ),
        );
        if (random.chance(dropout)) break;
        t += Math.max(DAY_MS / 24, random.exponential(lambda) * DAY_MS);
      }
    }

    const tags: string[] = [];
    const lifetimeCents = orders.reduce((sum, o) => sum + orderTotalCents(o), 0);
    if (orders.length >= 8 || lifetimeCents > 150_000 * this.rate(this.currency)) tags.push("VIP");
    if (random.chance(0.03)) tags.push("wholesale");
    if (random.chance(0.1)) tags.push("newsletter");
    const lastActivity = orders.length ? Math.max(...orders.map((o) => o.updatedAt)) : createdAt;
    const customer: CustomerRecord = {
      id,
      firstName,
      lastName,
      email,
      phone: random.chance(0.4) ? `+1555${String(slot % 10_000_000).padStart(7, "0")}` : null,
      createdAt,
      updatedAt: Math.max(createdAt, lastActivity),
      tags,
      state: orders.length > 0 && random.chance(0.6) ? "ENABLED" : "DISABLED",
      verifiedEmail: random.chance(0.9),
      locale: currency === "EUR" ? "de" : currency === "CAD" && random.chance(0.3) ? "fr" : "en",
      note: null,
    };
    // Address and consent from the habits' own stream, so the rest of the shop stays as it was.
    const r = habits.random;
    customer.defaultAddress = r.chance(0.08) ? null : address(r);
    if (customer.email) {
      const roll = r.next();
      customer.emailMarketingState =
        roll < 0.6 ? "SUBSCRIBED" : roll < 0.84 ? "NOT_SUBSCRIBED" : roll < 0.95 ? "UNSUBSCRIBED" : "PENDING";
      customer.emailConsentUpdatedAt =
        customer.emailMarketingState === "NOT_SUBSCRIBED"
          ? null
          : Math.floor((createdAt + r.next() * (customer.updatedAt - createdAt)) / 1000) * 1000;
    } else customer.emailMarketingState = null;
    if (customer.phone) {
      const roll = r.next();
      customer.smsMarketingState = roll < 0.3 ? "SUBSCRIBED" : roll < 0.9 ? "NOT_SUBSCRIBED" : "UNSUBSCRIBED";
      customer.smsConsentUpdatedAt = customer.smsMarketingState === "NOT_SUBSCRIBED" ? null : createdAt;
    } else customer.smsMarketingState = null;
    if (this.dataSaleOptOutShare > 0 && optOutDraw(this.seed, slot) < this.dataSaleOptOutShare)
      customer.dataSaleOptOut = true;
    return { customer, orders };
  }

  /**
   * A slot's buying habits, from a stream of its own: 10 % shop in store (95 % of orders at the
   * point of sale), 15 % both (45 %), the rest online (1 % POS, 3 % draft orders, 2 % other
   * channels); 20 % use a discount on 75 % of orders, 55 % on 25 %, 25 % almost never (2 %) —
   * about 30 % of orders discounted.
   */
  private habits(slot: number): Habits {
    const random = new Random(deriveSeed(deriveSeed(this.seed, -3), slot));
    const shopper = random.next();
    const deal = random.next();
    return {
      random,
      pos: shopper < 0.1 ? 0.95 : shopper < 0.25 ? 0.45 : 0.01,
      draft: shopper < 0.25 ? 0.01 : 0.03,
      other: shopper < 0.25 ? 0 : 0.02,
      discount: deal < 0.2 ? 0.75 : deal < 0.75 ? 0.25 : 0.02,
    };
  }

  private guestOrder(slot: number, random: Random): OrderRecord {
    const processedAt = this.since + Math.floor(random.next() * (this.until - this.since));
    const currency = random.chance(0.22) ? random.pick(PRESENTMENT_CURRENCIES) : this.currency;
    return this.order(
      slot,
      0,
      random,
      { customerId: null, email: `guest.${slot}@example.net`, processedAt, currency, priceTier: random.next() },
      this.habits(slot),
    );
  }

  private order(
    slot: number,
    index: number,
    random: Random,
    buyer: { customerId: number | null; email: string; processedAt: number; currency: string; priceTier: number },
    habits: Habits,
  ): OrderRecord {
    const id = this.ids.order + slot * ORDERS_PER_SLOT + index;
    const processedAt = Math.floor(buyer.processedAt / 1000) * 1000;
    const lineCount = 1 + random.weighted([0.55, 0.27, 0.12, 0.06]);
    const lineItems: LineItemRecord[] = [];
    for (let j = 0; j < lineCount; j++) {
      const position = buyer.priceTier * this.products.length + random.normal() * this.products.length * 0.2;
      const product = this.products[Math.min(this.products.length - 1, Math.max(0, Math.round(position)))];
      lineItems.push({
        id: id * 10 + j,
        productId: product.id,
        productTitle: product.title,
        productType: product.productType,
        vendor: product.vendor,
        sku: product.sku,
        quantity: 1 + random.weighted([0.75, 0.18, 0.07]),
        unitPriceCents: product.priceCents,
      });
    }
    const subtotal = lineItems.reduce((sum, li) => sum + li.quantity * li.unitPriceCents, 0);
    // Channel and discount from the habits' stream (the main stream draws exactly as before).
    const h = habits.random;
    const channel = h.next();
    const sourceName =
      channel < habits.pos
        ? "pos"
        : channel < habits.pos + habits.draft
          ? "shopify_draft_order"
          : channel < habits.pos + habits.draft + habits.other
            ? h.pick(OTHER_SOURCES)
            : "web";
    const discountCodes: DiscountCodeRecord[] = [];
    if (h.chance(habits.discount)) {
      const offer = h.pick(DISCOUNT_CODES);
      const amountCents = Math.min(subtotal, offer.fixedCents ?? Math.round((subtotal * (offer.percent ?? 0)) / 100));
      if (amountCents > 0) discountCodes.push({ code: offer.code, amountCents, type: offer.type });
    }
    const discounted = subtotal - discountCodes.reduce((sum, d) => sum + d.amountCents, 0);
    const order: OrderRecord = {
      id,
      customerId: buyer.customerId,
      email: buyer.email,
      createdAt: processedAt,
      processedAt,
      updatedAt: processedAt,
      cancelledAt: null,
      cancelReason: null,
      test: random.chance(0.004),
      presentmentCurrency: buyer.currency,
      presentmentRate: this.rate(buyer.currency),
      lineItems,
      shippingCents: subtotal >= 7500 ? 0 : 690,
      taxCents: Math.round(discounted * 0.08),
      refunds: [],
      tags: [],
      discountCodes,
      sourceName,
    };

    const roll = random.next();
    if (roll < 0.02) {
      // Cancelled within two days, refunded in full.
      order.cancelledAt = Math.min(this.until, order.processedAt + random.int(1, 48) * 3_600_000);
      order.cancelReason = random.pick(["CUSTOMER", "INVENTORY", "FRAUD", "DECLINED"] as const);
      order.refunds.push(fullRefund(order, order.cancelledAt, "Order cancelled"));
    } else if (roll < 0.07) {
      const at = order.processedAt + random.int(2, 30) * DAY_MS;
      if (at < this.until) {
        if (random.chance(0.5)) order.refunds.push(fullRefund(order, at, "Returned"));
        else {
          const item = random.pick(lineItems);
          order.refunds.push({
            id: id * 10 + 5,
            createdAt: at,
            note: "Partial return",
            amountCents: item.unitPriceCents,
            lineItems: [{ lineItemId: item.id, quantity: 1, subtotalCents: item.unitPriceCents }],
          });
        }
      }
    }
    order.updatedAt = Math.max(order.processedAt, order.cancelledAt ?? 0, ...order.refunds.map((r) => r.createdAt));
    return order;
  }
}

function fullRefund(order: OrderRecord, at: number, note: string): RefundRecord {
  return {
    id: order.id * 10 + 5,
    createdAt: at,
    note,
    amountCents: orderTotalCents(order),
    lineItems: order.lineItems.map((li) => ({
      lineItemId: li.id,
      quantity: li.quantity,
      subtotalCents: li.quantity * li.unitPriceCents,
    })),
  };
}

/** The lines at their prices, before discounts (REST `total_line_items_price`). */
export function orderLineItemsCents(order: OrderRecord): number {
  return order.lineItems.reduce((sum, li) => sum + li.quantity * li.unitPriceCents, 0);
}

/** What the discount codes took off (REST `total_discounts`, GraphQL `totalDiscountsSet`). */
export function orderDiscountCents(order: OrderRecord): number {
  return (order.discountCodes ?? []).reduce((sum, d) => sum + d.amountCents, 0);
}

/** The subtotal after discounts, as Shopify's `subtotal_price`. */
export function orderSubtotalCents(order: OrderRecord): number {
  return orderLineItemsCents(order) - orderDiscountCents(order);
}

/** An order's channel as the app normalises Shopify's source name (test expectations). */
export function orderChannel(order: OrderRecord): "online" | "pos" | "draft" | "other" {
  const source = order.sourceName ?? "web";
  return source === "web" ? "online" : source === "pos" ? "pos" : source === "shopify_draft_order" ? "draft" : "other";
}

function address(random: Random): AddressRecord {
  const region = REGIONS[random.weighted(REGIONS.map((r) => r.weight))];
  const [province, provinceCode, , cities] = region.provinces[random.weighted(region.provinces.map((p) => p[2]))];
  return {
    address1: `${random.int(1, 999)} ${random.pick(STREETS)}`,
    city: random.pick(cities),
    province,
    provinceCode,
    country: region.country,
    countryCode: region.countryCode,
    zip:
      region.countryCode === "CA"
        ? "M5V 2T6"
        : region.countryCode === "US"
          ? String(random.int(10000, 99999))
          : "SW1A 1AA",
  };
}

export function orderTotalCents(order: OrderRecord): number {
  return orderSubtotalCents(order) + order.shippingCents + order.taxCents;
}

export function orderRefundedCents(order: OrderRecord): number {
  return order.refunds.reduce((sum, r) => sum + r.amountCents, 0);
}

/** Total after refunds, as Shopify's `currentTotalPrice` (0 for a fully refunded/cancelled order). */
export function orderCurrentTotalCents(order: OrderRecord): number {
  return Math.max(0, orderTotalCents(order) - orderRefundedCents(order));
}

/** One customer of a treatment experiment: from when it runs for them, and in which arm. */
export interface TreatmentCustomer {
  customerId: number;
  /** A member (tagged, reached by campaigns) rather than held out as control. */
  treated: boolean;
  /** Epoch ms the customer entered the segment: orders are placed strictly after it. */
  from: number;
}

export interface TreatmentOptions {
  seed: string | number;
  customers: readonly TreatmentCustomer[];
  /** Orders are planned up to this instant (epoch ms). */
  until: number;
  /** The injected effect: members buy at (1 + lift) × the rate they would have bought at as control. */
  lift: number;
  /** Mean orders per customer per 30 days without treatment (default 0.5). */
  ordersPer30Days?: number;
  /** Products to draw from (indices into the shop's catalog). */
  productCount: number;
}

export interface PlannedOrder {
  customerId: number;
  processedAt: number;
  lineItems: { productIndex: number; quantity: number }[];
}

/**
 * Post-entry orders for a segment with a known treatment effect, for measuring lift against
 * ground truth. Each customer's base rate is heterogeneous (Gamma, shape 2) and drawn
 * independently of the arm, as a random holdout makes it; treatment multiplies the rate only,
 * so baskets are alike in both arms and the true lift in orders and revenue per customer is
 * `lift`. Seeded per customer id: the same customer gets the same orders whatever else is planned.
 */
export function treatmentOrders(options: TreatmentOptions): PlannedOrder[] {
  const base = hashSeed(options.seed);
  const meanPerDay = (options.ordersPer30Days ?? 0.5) / 30;
  const planned: PlannedOrder[] = [];
  for (const customer of options.customers) {
    const random = new Random(deriveSeed(base, customer.customerId % 2 ** 31));
    // Drawn before the arm matters, so a customer's appetite is the same in either arm.
    const rate = random.gamma(2, meanPerDay / 2) * (customer.treated ? 1 + options.lift : 1);
    const basket = random.next();
    let t = customer.from;
    for (;;) {
      t += Math.max(1000, random.exponential(rate) * DAY_MS);
      if (t > options.until) break;
      const position = basket * options.productCount + random.normal() * options.productCount * 0.2;
      const productIndex = Math.min(options.productCount - 1, Math.max(0, Math.round(position)));
      planned.push({
        customerId: customer.customerId,
        processedAt: t,
        lineItems: [{ productIndex, quantity: 1 + random.weighted([0.75, 0.25]) }],
      });
    }
  }
  return planned;
}

/** A uniform draw in [0, 1) from (seed, slot) alone, outside the slot's random stream. */
function optOutDraw(seed: number, slot: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(slot + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}
