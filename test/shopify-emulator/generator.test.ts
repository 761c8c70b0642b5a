import { describe, expect, it } from "vitest";
import {
  ShopGenerator,
  orderChannel,
  orderDiscountCents,
  orderLineItemsCents,
  orderRefundedCents,
  orderSubtotalCents,
  orderTotalCents,
} from "./generator";
import { ShopStore } from "./store";

const NOW = "2026-06-15T00:00:00Z";

function snapshot(generator: ShopGenerator, slots: number[]) {
  return slots.map((s) => generator.slot(s));
}

describe("data generator", () => {
  it("generates customer signals: discounts, channels, Canadian and US addresses, marketing consent", () => {
    const generator = new ShopGenerator({ seed: "signals", customers: 3000, now: NOW });
    const orders = [];
    const customers = [];
    for (let s = 0; s < generator.slotCount; s++) {
      const { customer, orders: slotOrders } = generator.slot(s);
      if (customer) customers.push(customer);
      orders.push(...slotOrders);
    }
    const share = <T>(items: T[], test: (item: T) => boolean) => items.filter(test).length / items.length;
    // About 30 % of orders discounted; the discount comes off the subtotal, never below 0.
    expect(share(orders, (o) => orderDiscountCents(o) > 0)).toBeGreaterThan(0.25);
    expect(share(orders, (o) => orderDiscountCents(o) > 0)).toBeLessThan(0.35);
    for (const o of orders) {
      expect(orderSubtotalCents(o)).toBe(orderLineItemsCents(o) - orderDiscountCents(o));
      expect(orderSubtotalCents(o)).toBeGreaterThanOrEqual(0);
    }
    // A share at the point of sale, a few drafts and other channels, most online.
    expect(share(orders, (o) => orderChannel(o) === "pos")).toBeGreaterThan(0.1);
    expect(share(orders, (o) => orderChannel(o) === "online")).toBeGreaterThan(0.7);
    expect(share(orders, (o) => orderChannel(o) === "draft")).toBeGreaterThan(0.01);
    expect(share(orders, (o) => orderChannel(o) === "other")).toBeGreaterThan(0.005);
    // Addresses in Canada (Ontario the largest province) and the US; some customers have none.
    expect(share(customers, (c) => c.defaultAddress?.countryCode === "CA")).toBeGreaterThan(0.3);
    expect(share(customers, (c) => c.defaultAddress?.countryCode === "US")).toBeGreaterThan(0.4);
    expect(share(customers, (c) => c.defaultAddress?.provinceCode === "ON")).toBeGreaterThan(0.12);
    expect(share(customers, (c) => !c.defaultAddress)).toBeGreaterThan(0.04);
    // About 60 % of email addresses subscribed; SMS consent only with a phone number.
    const withEmail = customers.filter((c) => c.email);
    expect(share(withEmail, (c) => c.emailMarketingState === "SUBSCRIBED")).toBeGreaterThan(0.55);
    expect(share(withEmail, (c) => c.emailMarketingState === "SUBSCRIBED")).toBeLessThan(0.65);
    expect(customers.every((c) => (c.phone ? c.smsMarketingState !== null : c.smsMarketingState === null))).toBe(true);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const slots = [0, 1, 17, 499, 520];
    const a = snapshot(new ShopGenerator({ seed: 42, customers: 500, now: NOW }), slots);
    const b = snapshot(new ShopGenerator({ seed: 42, customers: 500, now: NOW }), slots);
    const c = snapshot(new ShopGenerator({ seed: 43, customers: 500, now: NOW }), slots);
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    // A slot does not depend on which other slots were generated before it.
    expect(new ShopGenerator({ seed: 42, customers: 500, now: NOW }).slot(17)).toEqual(a[2]);
  });

  it("produces realistic, heterogeneous shop data", () => {
    const generator = new ShopGenerator({ seed: "realism", customers: 3000, now: NOW });
    const customers = [];
    const orders = [];
    for (let s = 0; s < generator.slotCount; s++) {
      const { customer, orders: slotOrders } = generator.slot(s);
      if (customer) customers.push({ customer, count: slotOrders.length });
      orders.push(...slotOrders);
    }
    const share = (n: number, of: number) => n / of;
    expect(customers).toHaveLength(3000);
    // Repeat-purchase heterogeneity: prospects, one-time buyers and a long tail of loyal buyers.
    expect(share(customers.filter((c) => c.count === 0).length, 3000)).toBeGreaterThan(0.05);
    expect(share(customers.filter((c) => c.count === 1).length, 3000)).toBeGreaterThan(0.2);
    expect(customers.some((c) => c.count >= 10)).toBe(true);
    expect(customers.filter((c) => c.customer.tags.includes("VIP")).length).toBeGreaterThan(10);
    expect(customers.some((c) => c.customer.tags.includes("wholesale"))).toBe(true);

    expect(orders.filter((o) => o.customerId === null)).toHaveLength(generator.guestCount);
    expect(orders.some((o) => o.cancelledAt !== null)).toBe(true);
    expect(orders.some((o) => o.test)).toBe(true);
    const refunded = orders.filter((o) => o.refunds.length > 0);
    expect(refunded.some((o) => orderRefundedCents(o) === orderTotalCents(o))).toBe(true);
    expect(refunded.some((o) => orderRefundedCents(o) < orderTotalCents(o))).toBe(true);
    expect(new Set(orders.map((o) => o.presentmentCurrency)).size).toBeGreaterThanOrEqual(4);
    expect(orders.every((o) => o.lineItems.length >= 1 && o.lineItems.length <= 4)).toBe(true);
    expect(orders.every((o) => o.processedAt >= generator.since && o.processedAt <= generator.until)).toBe(true);
    // The history ends at the given now, not at the day the test runs.
    expect(generator.until).toBe(Date.parse(NOW));
    expect(Math.max(...orders.map((o) => o.processedAt))).toBeGreaterThan(Date.parse(NOW) - 30 * 86_400_000);
    expect(new Set(orders.map((o) => o.id)).size).toBe(orders.length);
  });

  it("serves a 1,000,000-customer shop lazily", () => {
    const store = new ShopStore(
      "big.myshopify.com",
      3,
      { customers: 1_000_000, seed: 1, now: NOW },
      () => {},
      Date.now,
    );
    const last = store.generator.ids.customer + 999_999;
    expect(store.customer(last)?.record.id).toBe(last);
    let seen = 0;
    for (const { record } of store.customers(500_000)) {
      expect(record.id).toBe(store.generator.ids.customer + 500_000 + seen);
      if (++seen === 1000) break;
    }
    expect(seen).toBe(1000);
  });
});
