import type { Prisma } from "~/generated/prisma/client";
import { displayName } from "./members.server";
import { db, notFound, type ShopContext } from "./shop.server";

// One customer as the admin shows it: scores, memberships, why, and an order summary.

const RECENT_ORDERS = 10;
const MAX_MEMBERSHIPS = 100;

/** Our customer id from the URL; anything that is not one is simply not found. */
export function parseCustomerId(value: string | undefined): bigint {
  if (!value || !/^\d{1,18}$/.test(value)) throw notFound("Customer not found");
  return BigInt(value);
}

export async function customerDetail(shop: ShopContext, idParam: string | undefined) {
  const id = parseCustomerId(idParam);
  const customer = await db.customer.findFirst({
    where: { id, shopId: shop.id, deletedAt: null },
    include: { score: true },
  });
  if (!customer) throw notFound("Customer not found");

  const [memberships, totals, recentOrders] = await Promise.all([
    db.$queryRaw<{ key: string; name: string | null; kind: string | null; control: boolean; since: Date }[]>`
      SELECT m."segmentKey" AS "key", g."name", g."kind"::text AS "kind", m."control", m."since"
      FROM "Membership" m
      LEFT JOIN "Segment" g ON g."shopId" = m."shopId" AND g."key" = m."segmentKey"
      WHERE m."shopId" = ${shop.id} AND m."customerId" = ${id}
      ORDER BY g."kind", m."segmentKey"
      LIMIT ${MAX_MEMBERSHIPS}`,
    db.$queryRaw<{ orders: bigint; net: Prisma.Decimal | null; refunded: Prisma.Decimal | null; first: Date | null; last: Date | null }[]>`
      SELECT count(*) AS "orders", sum("totalPrice" - "totalRefunded") AS "net", sum("totalRefunded") AS "refunded",
        min("processedAt") AS "first", max("processedAt") AS "last"
      FROM "Order"
      WHERE "shopId" = ${shop.id} AND "customerShopifyId" = ${customer.shopifyId}
        AND NOT "test" AND "deletedAt" IS NULL AND "cancelledAt" IS NULL`,
    db.order.findMany({
      where: { shopId: shop.id, customerShopifyId: customer.shopifyId, deletedAt: null },
      orderBy: { processedAt: "desc" },
      take: RECENT_ORDERS,
      select: { id: true, name: true, processedAt: true, totalPrice: true, totalRefunded: true, cancelledAt: true, test: true },
    }),
  ]);

  const summary = totals[0];
  const orders = Number(summary?.orders ?? 0);
  const score = customer.score;
  return {
    customer: {
      id: customer.id.toString(),
      shopifyId: customer.shopifyId.toString(),
      name: customer.redactedAt ? "Redacted customer" : displayName(customer, customer.id),
      email: customer.redactedAt ? null : customer.email,
      tags: customer.tags,
      since: customer.shopifyCreatedAt?.toISOString() ?? null,
    },
    score: score
      ? {
          r: score.r,
          f: score.f,
          m: score.m,
          rfmSegment: score.rfmSegment,
          cluster: score.cluster,
          lifecycle: score.lifecycle,
          pAlive: score.pAlive,
          expectedOrders: score.expectedOrders,
          expectedAov: score.expectedAov,
          clv: score.clv,
          nextOrderAt: score.nextOrderAt?.toISOString() ?? null,
          recencyDays: score.recencyDays,
          explanation: score.explanation,
          computedAt: score.computedAt.toISOString(),
        }
      : null,
    memberships: memberships.map((m) => ({
      key: m.key,
      name: m.name ?? m.key,
      kind: m.kind,
      control: m.control,
      since: m.since.toISOString(),
    })),
    orders: {
      count: orders,
      net: Number(summary?.net ?? 0),
      refunded: Number(summary?.refunded ?? 0),
      averageValue: orders > 0 ? Number(summary?.net ?? 0) / orders : 0,
      first: summary?.first?.toISOString() ?? null,
      last: summary?.last?.toISOString() ?? null,
      recent: recentOrders.map((o) => ({
        id: o.id.toString(),
        name: o.name ?? `#${o.id}`,
        processedAt: o.processedAt.toISOString(),
        total: Number(o.totalPrice),
        refunded: Number(o.totalRefunded),
        status: o.test ? "test" : o.cancelledAt ? "cancelled" : Number(o.totalRefunded) > 0 ? "refunded" : "paid",
      })),
    },
  };
}

export type CustomerDetail = Awaited<ReturnType<typeof customerDetail>>;
