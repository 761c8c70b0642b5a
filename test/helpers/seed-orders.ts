import db from "~/db.server";

// Seeds one shop's customers and orders straight into the database, the rows a back-fill
// writes (no scores, no segments), generated in SQL so 1M customers take seconds, not the
// back-fill's minutes. Orders per customer, dates and amounts vary by the customer's number g
// (arithmetic over primes, deterministic) so the engine sees a shop with real spread; shopify
// ids come from the shop id so shops never collide. Nothing is ANALYZEd here: what the planner
// believes afterwards is the caller's business (the stale-statistics test depends on it).

export interface SeedOrdersOptions {
  customers: number;
  /** Orders per customer average about this many (1 to 2·average − 1). */
  averageOrders?: number;
  /** The newest order is at most a day before this; the oldest about three years before. */
  now: Date;
}

export interface SeededOrders {
  shopId: number;
  customers: number;
  orders: number;
}

export async function seedShopOrders(domain: string, options: SeedOrdersOptions): Promise<SeededOrders> {
  const { customers, now } = options;
  const spread = 2 * (options.averageOrders ?? 3) - 1;
  const shop = await db.shop.upsert({ where: { domain }, create: { domain, currency: "USD" }, update: {} });
  const shopId = shop.id;
  const idBase = BigInt(shopId) * 100_000_000n;
  // In slices, so no single statement holds millions of rows in one transaction's memory.
  const SLICE = 250_000;
  for (let from = 1; from <= customers; from += SLICE) {
    const to = Math.min(customers, from + SLICE - 1);
    await db.$executeRaw`
      INSERT INTO "Customer" ("shopId", "shopifyId", "email", "tags", "shopifyCreatedAt", "shopifyUpdatedAt", "updatedAt")
      SELECT ${shopId}, ${idBase}::bigint + g, 'c' || g || '@example.com', ARRAY[]::text[],
        ${now}::timestamp - interval '3 years', ${now}::timestamp - interval '1 day', ${now}
      FROM generate_series(${from}::int, ${to}::int) g`;
    // Customer g: n = 1 + (g·37 mod spread) orders; the first (g·7919 mod 1000) + 30 days ago,
    // the next ones (g mod 53) + 20 days apart (never later than yesterday); amounts 10 + (g·31 + k·17) mod 190.
    await db.$executeRaw`
      INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "name", "processedAt", "shopifyUpdatedAt", "currency",
        "totalPrice", "lineItems", "updatedAt")
      SELECT ${shopId}, ${idBase}::bigint * 10 + g::bigint * 10 + k, ${idBase}::bigint + g, '#' || g || '-' || k,
        ${now}::timestamp - GREATEST(1, ((g::bigint * 7919) % 1000) + 30 - k * ((g % 53) + 20)) * interval '1 day'
          - (g % 86400) * interval '1 second',
        ${now}, 'USD', 10 + ((g::bigint * 31 + k * 17) % 190),
        jsonb_build_array(jsonb_build_object('productType', CASE WHEN g % 3 = 0 THEN 'Tea' ELSE 'Coffee' END, 'quantity', 1)), ${now}
      FROM generate_series(${from}::int, ${to}::int) g, generate_series(0, (g::bigint * 37) % ${spread}) k`;
  }
  const [counts] = await db.$queryRaw<
    { orders: bigint }[]
  >`SELECT count(*) AS orders FROM "Order" WHERE "shopId" = ${shopId}`;
  return { shopId, customers, orders: Number(counts.orders) };
}

/**
 * A shop whose orders follow the engine's own models (BG/NBD purchases, Gamma-Gamma values;
 * test/bench/synthetic-shop.ts), written as a back-fill would: customers, then orders in time
 * order. What the compute of a real shop costs, where the arithmetic seed above would make the
 * BG/NBD fit grind against its bounds.
 */
export async function seedSyntheticShop(domain: string, customers: number, end: Date): Promise<SeededOrders> {
  const { syntheticShop, BENCH_SHOP } = await import("../bench/synthetic-shop");
  // About three orders per customer (the 340k / 1M and 1M / 3M shops).
  const shopOrders = syntheticShop({
    ...BENCH_SHOP,
    bgnbd: { ...BENCH_SHOP.bgnbd, alpha: 150 },
    customers,
    end,
    seed: 11,
  });
  const shop = await db.shop.upsert({ where: { domain }, create: { domain, currency: "USD" }, update: {} });
  const idBase = BigInt(shop.id) * 100_000_000n;
  const SLICE = 50_000;
  for (let from = 0; from < customers; from += SLICE) {
    const to = Math.min(customers, from + SLICE);
    await db.$executeRaw`
      INSERT INTO "Customer" ("shopId", "shopifyId", "tags", "shopifyUpdatedAt", "updatedAt")
      SELECT ${shop.id}, ${idBase}::bigint + g, ARRAY[]::text[], ${end}, ${end} FROM generate_series(${from}::int, ${to - 1}::int) g`;
  }
  const rows = shopOrders.customer.length;
  for (let from = 0; from < rows; from += SLICE) {
    const to = Math.min(rows, from + SLICE);
    const customer: number[] = [];
    const at: string[] = [];
    const amount: string[] = [];
    for (let row = from; row < to; row++) {
      customer.push(shopOrders.customer[row]);
      at.push(new Date(shopOrders.time[row]).toISOString());
      amount.push(shopOrders.amount[row].toFixed(2));
    }
    await db.$executeRaw`
      INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "processedAt", "shopifyUpdatedAt", "currency", "totalPrice", "updatedAt")
      SELECT ${shop.id}, ${idBase}::bigint * 10 + ${from}::bigint + v.n, ${idBase}::bigint + v.c, v.at, ${end}, 'USD', v.amount, ${end}
      FROM unnest(${customer}::int[], ${at}::timestamp(3)[], ${amount}::numeric[]) WITH ORDINALITY AS v(c, at, amount, n)`;
  }
  return { shopId: shop.id, customers, orders: rows };
}
