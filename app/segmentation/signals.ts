// Order and customer signals beyond spend: discounts and sales channels per order, turned into
// per-customer columns (share of orders with a discount, share of spend discounted, full-price
// buyer, orders per channel) and the automatic signal segments ("Discount-driven", "Full-price
// loyal", "In-store only", "Online only"). Pure: the compute streams the orders in (the same
// scorable orders as the engine: live, not test, not cancelled), this works on typed columns.

export type Channel = "online" | "pos" | "draft" | "other";
export const CHANNELS: readonly Channel[] = ["online", "pos", "draft", "other"];

/** Shopify's order source names of the online store and Shopify's own online surfaces. */
const ONLINE_SOURCES = new Set(["web", "shopify", "shop", "mobile_app", "iphone", "android", "checkout"]);

/**
 * An order's channel from Shopify's `sourceName` (REST `source_name`): "web" and Shopify's
 * online surfaces are online, "pos" is the point of sale, "shopify_draft_order" a draft order (a
 * merchant-created invoice), anything else (a sales-channel app's id, "subscription_contract", …)
 * other. No source name (orders stored before channels were kept) has no channel.
 */
export function channelOf(sourceName: string | null | undefined): Channel | null {
  if (sourceName === null || sourceName === undefined || sourceName.trim() === "") return null;
  const source = sourceName.trim().toLowerCase();
  if (ONLINE_SOURCES.has(source)) return "online";
  if (source === "pos") return "pos";
  if (source === "shopify_draft_order") return "draft";
  return "other";
}

/** A channel's index in CHANNELS, -1 for none or an unknown name (compared case-insensitively). */
export function channelIndex(name: string | null | undefined): number {
  return name ? CHANNELS.indexOf(name.trim().toLowerCase() as Channel) : -1;
}

/** Scorable orders as columns: customer (index into the transactions' customers), time, discount, gross, channel. */
export interface OrderSignals {
  customerCount: number;
  orderCustomer: Int32Array;
  orderTime: Float64Array;
  /** Amount discounted on the order, whole cents of shop currency. */
  discountCents: Float64Array;
  /** Order total before discounts (total price + discounts), whole cents. */
  grossCents: Float64Array;
  /** Index into CHANNELS, -1 for none. */
  channel: Int8Array;
}

export class OrderSignalsBuilder {
  private customer: number[] = [];
  private time: number[] = [];
  private discount: number[] = [];
  private gross: number[] = [];
  private channel: number[] = [];

  add(customer: number, time: number, discountCents: number, grossCents: number, channel: string | null): void {
    this.customer.push(customer);
    this.time.push(time);
    this.discount.push(Number.isFinite(discountCents) ? Math.max(0, Math.round(discountCents)) : 0);
    this.gross.push(Number.isFinite(grossCents) ? Math.max(0, Math.round(grossCents)) : 0);
    this.channel.push(channelIndex(channel));
  }

  build(customerCount: number): OrderSignals {
    return {
      customerCount,
      orderCustomer: Int32Array.from(this.customer),
      orderTime: Float64Array.from(this.time),
      discountCents: Float64Array.from(this.discount),
      grossCents: Float64Array.from(this.gross),
      channel: Int8Array.from(this.channel),
    };
  }
}

export const emptyOrderSignals = (customerCount: number): OrderSignals =>
  new OrderSignalsBuilder().build(customerCount);

/** Per customer (transactions' order) lifetime counts and sums: what the rule fields divide. */
export interface CustomerSignals {
  orders: Float64Array;
  discountedOrders: Float64Array;
  discountCents: Float64Array;
  grossCents: Float64Array;
  channelOrders: Record<Channel, Float64Array>;
}

/** One pass over the orders. An order is discounted when any amount was taken off it (codes or automatic discounts). */
export function customerSignals(signals: OrderSignals): CustomerSignals {
  const n = signals.customerCount;
  const out: CustomerSignals = {
    orders: new Float64Array(n),
    discountedOrders: new Float64Array(n),
    discountCents: new Float64Array(n),
    grossCents: new Float64Array(n),
    channelOrders: {
      online: new Float64Array(n),
      pos: new Float64Array(n),
      draft: new Float64Array(n),
      other: new Float64Array(n),
    },
  };
  const byChannel = CHANNELS.map((c) => out.channelOrders[c]);
  for (let o = 0; o < signals.orderCustomer.length; o++) {
    const c = signals.orderCustomer[o];
    out.orders[c]++;
    if (signals.discountCents[o] > 0) out.discountedOrders[c]++;
    out.discountCents[c] += signals.discountCents[o];
    out.grossCents[c] += signals.grossCents[o];
    const channel = signals.channel[o];
    if (channel >= 0) byChannel[channel][c]++;
  }
  return out;
}

/** numerator ÷ denominator per customer; NaN (never matches) where the denominator is 0. */
export function shareOf(numerator: Float64Array, denominator: Float64Array): Float64Array {
  const out = new Float64Array(numerator.length);
  for (let i = 0; i < out.length; i++) out[i] = denominator[i] === 0 ? NaN : numerator[i] / denominator[i];
  return out;
}

/** Per customer, orders in the channel placed asOf − days ≤ time ≤ asOf (the other windowed fields' window). */
export function channelOrdersInWindow(
  signals: OrderSignals,
  channel: string,
  days: number,
  asOf: number,
): Float64Array {
  const out = new Float64Array(signals.customerCount);
  const wanted = channelIndex(channel);
  if (wanted < 0) return out;
  const since = asOf - days * 86_400_000;
  for (let o = 0; o < signals.orderCustomer.length; o++) {
    const time = signals.orderTime[o];
    if (signals.channel[o] === wanted && time >= since && time <= asOf) out[signals.orderCustomer[o]]++;
  }
  return out;
}

// ---- Automatic signal segments -------------------------------------------------------------

/** The automatic signal segments: who is in them, and when a shop gets them. */
export const SIGNAL_RULES = {
  /** "Discount-driven": at least this many orders … */
  discountDrivenMinOrders: 2,
  /** … of which at least this share had a discount. */
  discountDrivenMinShare: 0.5,
  /** "Full-price loyal": at least this many orders, none with a discount. */
  fullPriceLoyalMinOrders: 3,
  /** "In-store only" / "Online only": at least this many orders, every one in that channel. */
  channelOnlyMinOrders: 2,
  /** A segment exists only with at least this many members … */
  minCustomers: 50,
  /** … and at least this share of the shop's scored customers (as product affinity). */
  minShare: 0.02,
} as const;

export type SignalSegmentKey = "discount-driven" | "full-price-loyal" | "in-store-only" | "online-only";

export const SIGNAL_SEGMENTS: readonly { key: SignalSegmentKey; name: string; description: string }[] = [
  {
    key: "discount-driven",
    name: "Discount-driven",
    description: `At least ${SIGNAL_RULES.discountDrivenMinOrders} orders, at least ${SIGNAL_RULES.discountDrivenMinShare * 100} % of them with a discount`,
  },
  {
    key: "full-price-loyal",
    name: "Full-price loyal",
    description: `At least ${SIGNAL_RULES.fullPriceLoyalMinOrders} orders, none with a discount`,
  },
  {
    key: "in-store-only",
    name: "In-store only",
    description: `At least ${SIGNAL_RULES.channelOnlyMinOrders} orders, all at the point of sale`,
  },
  {
    key: "online-only",
    name: "Online only",
    description: `At least ${SIGNAL_RULES.channelOnlyMinOrders} orders, all online`,
  },
];

/** Whether customer `c` qualifies for the segment (before the minimum size). */
export function qualifiesFor(key: SignalSegmentKey, s: CustomerSignals, c: number): boolean {
  const orders = s.orders[c];
  switch (key) {
    case "discount-driven":
      return (
        orders >= SIGNAL_RULES.discountDrivenMinOrders &&
        s.discountedOrders[c] / orders >= SIGNAL_RULES.discountDrivenMinShare
      );
    case "full-price-loyal":
      return orders >= SIGNAL_RULES.fullPriceLoyalMinOrders && s.discountedOrders[c] === 0;
    case "in-store-only":
      return orders >= SIGNAL_RULES.channelOnlyMinOrders && s.channelOrders.pos[c] === orders;
    case "online-only":
      return orders >= SIGNAL_RULES.channelOnlyMinOrders && s.channelOrders.online[c] === orders;
  }
}

/**
 * The run's signal segments with their members (masks over the customers of `s`): a segment
 * exists when at least max(minCustomers, minShare × scored customers) customers qualify; one
 * that falls below loses its segment at that compute (members leave, the push takes back its
 * tags and Shopify segment), as an affinity segment does.
 */
export function signalSegments(
  s: CustomerSignals,
  scoredCustomers: number,
): { key: SignalSegmentKey; name: string; description: string; members: Uint8Array; size: number }[] {
  const floor = Math.max(SIGNAL_RULES.minCustomers, Math.ceil(SIGNAL_RULES.minShare * scoredCustomers));
  const out = [];
  for (const segment of SIGNAL_SEGMENTS) {
    const members = new Uint8Array(s.orders.length);
    let size = 0;
    for (let c = 0; c < members.length; c++) if (qualifiesFor(segment.key, s, c)) size += members[c] = 1;
    if (size >= floor) out.push({ ...segment, members, size });
  }
  return out;
}

/** The signals in another customer order (`sourceIndex[c]` = c's index in `s`). */
export function reindexSignals(s: CustomerSignals, sourceIndex: Int32Array): CustomerSignals {
  const pick = (column: Float64Array) => Float64Array.from(sourceIndex, (i) => column[i] ?? 0);
  return {
    orders: pick(s.orders),
    discountedOrders: pick(s.discountedOrders),
    discountCents: pick(s.discountCents),
    grossCents: pick(s.grossCents),
    channelOrders: {
      online: pick(s.channelOrders.online),
      pos: pick(s.channelOrders.pos),
      draft: pick(s.channelOrders.draft),
      other: pick(s.channelOrders.other),
    },
  };
}
