import db from "~/db.server";
import { computeShop } from "~/compute/compute-shop.server";
import { treatmentOrders } from "../shopify-emulator/generator";
import { seedShopOrders } from "./seed-orders";

// A shop whose lift has been measured by the compute itself: seeded orders, a compute at `t0`
// with a control share (customers enter their segments, some held out), then members of the
// largest segment buying twice as often as its control group for 95 days, and a compute then.

const DAY = 86_400_000;

export interface MeasuredLiftShop {
  shopId: number;
  /** The segment whose members were treated. */
  treatedKey: string;
  /** When the second compute measured the lift. */
  asOf: Date;
}

async function compute(shopId: number, asOf: Date) {
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "test", status: "SUCCEEDED" } });
  await computeShop(db, shopId, run.id, asOf);
}

export async function seedMeasuredLiftShop(
  domain: string,
  options: { t0: Date; controlShare: number; seed: string },
): Promise<MeasuredLiftShop> {
  const { t0, controlShare, seed } = options;
  const { shopId } = await seedShopOrders(domain, { customers: 1_200, now: t0 });
  await db.shop.update({ where: { id: shopId }, data: { settings: { controlShare } } });
  await compute(shopId, t0);
  const sizes = await db.membership.groupBy({ by: ["segmentKey"], where: { shopId }, _count: true });
  const treatedKey = sizes.sort((a, b) => b._count - a._count || a.segmentKey.localeCompare(b.segmentKey))[0]
    .segmentKey;
  const members = await db.$queryRaw<{ shopifyId: bigint; control: boolean }[]>`
    SELECT c."shopifyId", m."control" FROM "Membership" m
    JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
    WHERE m."shopId" = ${shopId} AND m."segmentKey" = ${treatedKey}`;
  const asOf = new Date(t0.getTime() + 95 * DAY);
  // Members buy twice as often as the control group after entry; at 1.5 orders per 30 days even
  // the 30-day window excludes "no effect" for all but a rare control draw (ids differ per run).
  const planned = treatmentOrders({
    seed,
    customers: members.map((m) => ({ customerId: Number(m.shopifyId), treated: !m.control, from: t0.getTime() })),
    until: asOf.getTime(),
    lift: 1,
    ordersPer30Days: 1.5,
    productCount: 40,
  });
  await db.order.createMany({
    data: planned.map((o, i) => ({
      shopId,
      shopifyId: 9_000_000_000_000n + BigInt(shopId) * 1_000_000n + BigInt(i),
      customerShopifyId: BigInt(o.customerId),
      processedAt: new Date(o.processedAt),
      shopifyUpdatedAt: new Date(o.processedAt),
      currency: "USD",
      totalPrice: (10 + o.lineItems[0].productIndex * 2).toFixed(2),
    })),
  });
  await compute(shopId, asOf);
  return { shopId, treatedKey, asOf };
}
