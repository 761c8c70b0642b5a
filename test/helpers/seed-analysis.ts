import db from "~/db.server";
import { analyzeStoredShop, storeShopModel } from "~/compute/compute-shop.server";
import { LIFECYCLE_STAGES, RFM_SEGMENTS } from "~/segmentation";

// Seeds one shop with what sync + compute would have written: customers, orders, scores,
// segments, memberships, movement events, snapshots of two runs (8 days apart), run records,
// and the newest run's stored model with its cohort table. Rows are generated in SQL
// (generate_series), so 100k customers take seconds; the stored model is the engine's own
// output over the seeded orders, written by the compute's code (1M customers: about a minute).

export interface SeededShop {
  shopId: number;
  domain: string;
  computeRunId: bigint;
  /** Customer.id of the first seeded customer (ids are consecutive). */
  firstCustomerId: bigint;
  customers: number;
}

const DAY = 86_400_000;

export async function seedAnalysedShop(domain: string, customers: number, now: Date): Promise<SeededShop> {
  const shop = await db.shop.upsert({ where: { domain }, create: { domain, currency: "USD" }, update: {} });
  const shopId = shop.id;
  // Shopify ids from the shop id, so shops never collide.
  const idBase = BigInt(shopId) * 10_000_000n;

  await db.run.createMany({
    data: [
      {
        shopId,
        kind: "SYNC",
        status: "SUCCEEDED",
        progressDone: customers,
        progressTotal: customers,
        finishedAt: new Date(now.getTime() - 2 * DAY),
        createdAt: new Date(now.getTime() - 2 * DAY),
      },
      { shopId, kind: "PUSH", status: "SUCCEEDED", finishedAt: now, createdAt: now },
    ],
  });
  const previousRun = await db.run.create({
    data: {
      shopId,
      kind: "COMPUTE",
      status: "SUCCEEDED",
      createdAt: new Date(now.getTime() - 8 * DAY),
      finishedAt: new Date(now.getTime() - 8 * DAY),
    },
  });
  const run = await db.run.create({
    data: { shopId, kind: "COMPUTE", status: "SUCCEEDED", createdAt: now, finishedAt: now },
  });

  await db.segment.createMany({
    data: [
      ...RFM_SEGMENTS.map((s) => ({
        shopId,
        key: s.key,
        kind: "RFM" as const,
        name: s.name,
        description: s.description,
      })),
      ...LIFECYCLE_STAGES.map((s) => ({
        shopId,
        key: s.key,
        kind: "LIFECYCLE" as const,
        name: s.name,
        description: s.description,
      })),
    ],
  });
  if (customers === 0) return { shopId, domain, computeRunId: run.id, firstCustomerId: 0n, customers };

  await db.$executeRaw`
    INSERT INTO "Customer" ("shopId", "shopifyId", "email", "firstName", "lastName", "tags", "shopifyCreatedAt", "updatedAt")
    SELECT ${shopId}, ${idBase}::bigint + g, 'customer' || g || '@example.com', 'Customer', 'No' || g,
      CASE WHEN g % 10 = 0 THEN ARRAY['VIP'] ELSE ARRAY[]::text[] END, ${now}::timestamp - (g % 700) * interval '1 day', ${now}
    FROM generate_series(1, ${customers}) g`;
  const first = await db.customer.findFirstOrThrow({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true } });

  // Customer g orders 1 + g % 4 times, every 30 days, the first (g % 400) + 30·orders days ago.
  await db.$executeRaw`
    INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "name", "processedAt", "shopifyUpdatedAt", "currency", "totalPrice", "lineItems", "updatedAt")
    SELECT ${shopId}, ${idBase}::bigint * 10 + g * 10 + k, ${idBase}::bigint + g, '#' || (g * 10 + k),
      ${now}::timestamp - ((g % 400) + 30 * k) * interval '1 day', ${now}, 'USD', 20 + (g % 7) * 15,
      jsonb_build_array(jsonb_build_object('productType', CASE WHEN g % 3 = 0 THEN 'Tea' ELSE 'Coffee' END, 'quantity', 1)), ${now}
    FROM generate_series(1, ${customers}) g, generate_series(0, g % 4) k`;

  await db.$executeRaw`
    INSERT INTO "CustomerScore" ("customerId", "shopId", "orderCount", "totalSpent", "firstOrderAt", "lastOrderAt", "recencyDays",
      "r", "f", "m", "rfmSegment", "cluster", "lifecycle", "pAlive", "expectedOrders", "expectedAov", "clv", "nextOrderAt", "explanation", "computedAt")
    SELECT c."id", ${shopId}, 1 + g % 4, (1 + g % 4) * (20 + (g % 7) * 15),
      ${now}::timestamp - ((g % 400) + 30 * (g % 4)) * interval '1 day', ${now}::timestamp - (g % 400) * interval '1 day', g % 400,
      5 - (g % 400) / 80, 1 + g % 4 + (CASE WHEN g % 4 = 3 THEN 1 ELSE 0 END), 1 + g % 5,
      (${RFM_SEGMENTS.map((s) => s.key)}::text[])[1 + g % ${RFM_SEGMENTS.length}], g % 3,
      (${LIFECYCLE_STAGES.map((s) => s.key)}::text[])[1 + g % ${LIFECYCLE_STAGES.length}],
      1 - (g % 400) / 400.0, (g % 4) * 0.7, 20 + (g % 7) * 15, (g % 97) * 13.5,
      ${now}::timestamp + (g % 60) * interval '1 day',
      'Ordered ' || (1 + g % 4) || ' times, last ' || (g % 400) || ' days ago', ${now}
    FROM "Customer" c, LATERAL (SELECT (c."shopifyId" - ${idBase}::bigint)::int AS g) x
    WHERE c."shopId" = ${shopId}`;

  await db.$executeRaw`
    INSERT INTO "Membership" ("shopId", "customerId", "segmentKey", "since", "control")
    SELECT ${shopId}::int, s."customerId", s."rfmSegment", ${now}::timestamp, s."customerId" % 20 = 0 FROM "CustomerScore" s WHERE s."shopId" = ${shopId}
    UNION ALL
    SELECT ${shopId}::int, s."customerId", s."lifecycle", ${now}, false FROM "CustomerScore" s WHERE s."shopId" = ${shopId}`;

  // Movement in the newest run: every 7th customer moved into its RFM segment from the next one.
  const rfmKeys = RFM_SEGMENTS.map((s) => s.key);
  await db.$executeRaw`
    INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered", "at")
    SELECT ${shopId}::int, ${run.id}::bigint, s."customerId", s."rfmSegment", true, ${now}::timestamp FROM "CustomerScore" s
    WHERE s."shopId" = ${shopId} AND s."customerId" % 7 = 0
    UNION ALL
    SELECT ${shopId}::int, ${run.id}::bigint, s."customerId",
      (${rfmKeys}::text[])[1 + (array_position(${rfmKeys}::text[], s."rfmSegment") % ${rfmKeys.length})], false, ${now}
    FROM "CustomerScore" s WHERE s."shopId" = ${shopId} AND s."customerId" % 7 = 0`;

  // Snapshots: the newest run from the data; the week-old run 10 % smaller.
  for (const [runId, at, factor] of [
    [previousRun.id, new Date(now.getTime() - 8 * DAY), 0.9],
    [run.id, now, 1],
  ] as const) {
    await db.$executeRaw`
      INSERT INTO "SegmentSnapshot" ("shopId", "runId", "segmentKey", "size", "controlSize", "revenue", "avgClv", "at")
      SELECT ${shopId}::int, ${runId}::bigint, m."segmentKey", floor(count(*) * ${factor}::float8)::int, count(*) FILTER (WHERE m."control"),
        sum(s."totalSpent"), avg(s."clv"), ${at}::timestamp
      FROM "Membership" m JOIN "CustomerScore" s ON s."shopId" = m."shopId" AND s."customerId" = m."customerId"
      WHERE m."shopId" = ${shopId}
      GROUP BY m."segmentKey"`;
  }

  // What the run stores besides rows: the fitted model, clusters and the cohort table the
  // cohorts page reads (without it the page falls back to SQL over the orders).
  // Statistics first: with the planner still believing this shop has no orders, the engine's
  // order load becomes a nested loop over every customer per order (hours at 1M customers).
  await db.$executeRaw`ANALYZE "Customer", "Order"`;
  const { analysis, predictionCheck } = await analyzeStoredShop(db, shopId, now);
  await storeShopModel(db, shopId, run.id, analysis, predictionCheck, now);
  return { shopId, domain, computeRunId: run.id, firstCustomerId: first.id, customers };
}
