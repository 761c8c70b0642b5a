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
    order: 5_200_000_000_000 + shopIndex * 10_000_000_000_000 / 100,
    /** Orders created after seeding (test helpers) are numbered from here. */
    createdOrder: 4_000_000_000_000 + shopIndex * 1_000_000_000,
    product: 8_300_000_000_000 + shopIndex * 1000,
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
}

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
}

export interface Product {
  id: number;
  title: string;
  productType: string;
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
}

/** Units of each currency per US dollar; presentment amounts are derived from shop amounts. */
const USD_RATES: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.37, AUD: 1.52, CHF: 0.88, SEK: 10.6 };
const PRESENTMENT_CURRENCIES = ["EUR", "GBP", "CAD", "AUD"];
const FIRST_NAMES = ["Ava", "Liam", "Mia", "Noah", "Emma", "Lucas", "Sofia", "Leo", "Chloe", "Mateo", "Zoe", "Ethan", "Aria", "Kai", "Nora", "Omar", "Ines", "Yuki", "Lena", "Ravi"];
const LAST_NAMES = ["Smith", "Garcia", "Müller", "Rossi", "Dubois", "Tanaka", "Nguyen", "Kowalski", "Silva", "Okafor", "Jensen", "Haddad", "Novak", "Brown", "Lopez", "Khan"];
const PRODUCT_TYPES = ["Apparel", "Footwear", "Accessories", "Home", "Beauty", "Outdoor"];
const PRODUCT_NOUNS: Record<string, string[]> = {
  Apparel: ["Tee", "Hoodie", "Chinos", "Rain Jacket", "Linen Shirt"],
  Footwear: ["Runner", "Trail Shoe", "Sandal", "Boot"],
  Accessories: ["Cap", "Tote", "Wallet", "Sunglasses", "Scarf"],
  Home: ["Mug", "Candle", "Throw Blanket", "Planter"],
  Beauty: ["Lip Balm", "Face Oil", "Soap Bar", "Hand Cream"],
  Outdoor: ["Water Bottle", "Daypack", "Headlamp", "Camp Chair"],
};
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

  constructor(options: GeneratorOptions) {
    this.seed = hashSeed(options.seed);
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
    return this.isCustomerSlot(slot) ? this.customerSlot(slot, random) : { customer: null, orders: [this.guestOrder(slot, random)] };
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
      products.push({ id: this.ids.product + i, title, productType, sku: `SKU-${1000 + i}`, priceCents });
    }
    return products.sort((a, b) => a.priceCents - b.priceCents);
  }

  private customerSlot(slot: number, random: Random): { customer: CustomerRecord; orders: OrderRecord[] } {
    const id = this.ids.customer + slot;
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const email = `${firstName}.${lastName}.${slot}@example.com`.toLowerCase().replace("ü", "u");
    // Acquisition grows over time: more customers joined recently.
    const createdAt = this.since + Math.floor(Math.pow(random.next(), 0.7) * (this.until - this.since) / 1000) * 1000;
    const priceTier = random.beta(2, 3);
    const currency = random.chance(0.22) ? random.pick(PRESENTMENT_CURRENCIES) : this.currency;

    // BG/NBD: purchase rate per day while alive, and dropout probability after each purchase.
    const lambda = random.gamma(0.9, 1 / 50);
    const dropout = random.beta(0.8, 2.6);
    const orders: OrderRecord[] = [];
    if (!random.chance(0.12)) {
      let t = createdAt + random.int(0, 30) * 60_000;
      while (t < this.until && orders.length < MAX_ORDERS_PER_CUSTOMER) {
        orders.push(this.order(slot, orders.length, random, { customerId: id, email, processedAt: t, currency, priceTier }));
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
    return { customer, orders };
  }

  private guestOrder(slot: number, random: Random): OrderRecord {
    const processedAt = this.since + Math.floor(random.next() * (this.until - this.since));
    const currency = random.chance(0.22) ? random.pick(PRESENTMENT_CURRENCIES) : this.currency;
    return this.order(slot, 0, random, {
      customerId: null,
      email: `guest.${slot}@example.net`,
      processedAt,
      currency,
      priceTier: random.next(),
    });
  }

  private order(
    slot: number,
    index: number,
    random: Random,
    buyer: { customerId: number | null; email: string; processedAt: number; currency: string; priceTier: number },
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
        sku: product.sku,
        quantity: 1 + random.weighted([0.75, 0.18, 0.07]),
        unitPriceCents: product.priceCents,
      });
    }
    const subtotal = lineItems.reduce((sum, li) => sum + li.quantity * li.unitPriceCents, 0);
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
      taxCents: Math.round(subtotal * 0.08),
      refunds: [],
      tags: [],
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
    lineItems: order.lineItems.map((li) => ({ lineItemId: li.id, quantity: li.quantity, subtotalCents: li.quantity * li.unitPriceCents })),
  };
}

export function orderSubtotalCents(order: OrderRecord): number {
  return order.lineItems.reduce((sum, li) => sum + li.quantity * li.unitPriceCents, 0);
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
