import type { Prisma } from "~/generated/prisma/client";
import { loadTransactions } from "~/compute/load-transactions.server";
import { LIFECYCLE_STAGES, summarizeOrders } from "~/segmentation";
import { explainCustomer, type CustomerExplanation, type ExplainedScore } from "~/segmentation/explain";
import { livePurchaseModel } from "~/segmentation/predictions";
import type { ClusterDescription, FittedModel } from "~/segmentation/types";
import { openCustomerRow } from "~/privacy/personal-data.server";
import { displayName } from "./members.server";
import { jobDataDb } from "./job-data-db.server";
import { notFound, type ShopContext } from "./admin-shop.server";

/** The scores that are predictions (a plan without predictions shows none of them). */
const PREDICTED_SCORES: ReadonlySet<ExplainedScore> = new Set([
  "churnRisk",
  "pAlive",
  "expectedOrders",
  "nextOrder",
  "expectedOrderValue",
  "clv",
]);

// One customer as the admin shows it: scores, memberships, why, and an order summary.

const RECENT_ORDERS = 10;
const MAX_MEMBERSHIPS = 100;

/** Our customer id from the URL; anything that is not one is simply not found. */
function parseCustomerId(value: string | undefined): bigint {
  if (!value || !/^\d{1,18}$/.test(value)) throw notFound("Customer not found");
  return BigInt(value);
}

export async function customerDetail(shop: ShopContext, idParam: string | undefined) {
  const id = parseCustomerId(idParam);
  const stored = await jobDataDb().customer.findFirst({
    where: { id, shopId: shop.id, deletedAt: null },
    include: { score: true },
  });
  if (!stored) throw notFound("Customer not found");
  const customer = openCustomerRow(shop.id, stored);

  const [memberships, totals, recentOrders, storedModel] = await Promise.all([
    jobDataDb().$queryRaw<{ key: string; name: string | null; kind: string | null; control: boolean; since: Date }[]>`
      SELECT m."segmentKey" AS "key", g."name", g."kind"::text AS "kind", m."control", m."since"
      FROM "Membership" m
      LEFT JOIN "Segment" g ON g."shopId" = m."shopId" AND g."key" = m."segmentKey"
      WHERE m."shopId" = ${shop.id} AND m."customerId" = ${id}
      ORDER BY g."kind", m."segmentKey"
      LIMIT ${MAX_MEMBERSHIPS}`,
    jobDataDb().$queryRaw<
      {
        orders: bigint;
        net: Prisma.Decimal | null;
        refunded: Prisma.Decimal | null;
        first: Date | null;
        last: Date | null;
        discounted: bigint;
        pos: bigint;
        online: bigint;
      }[]
    >`
      SELECT count(*) AS "orders", sum("totalPrice" - "totalRefunded") AS "net", sum("totalRefunded") AS "refunded",
        min("processedAt") AS "first", max("processedAt") AS "last",
        count(*) FILTER (WHERE "totalDiscounts" > 0) AS "discounted",
        count(*) FILTER (WHERE "channel" = 'pos') AS "pos", count(*) FILTER (WHERE "channel" = 'online') AS "online"
      FROM "Order"
      WHERE "shopId" = ${shop.id} AND "customerShopifyId" = ${customer.shopifyId}
        AND NOT "test" AND "deletedAt" IS NULL AND "cancelledAt" IS NULL`,
    jobDataDb().order.findMany({
      where: { shopId: shop.id, customerShopifyId: customer.shopifyId, deletedAt: null },
      orderBy: { processedAt: "desc" },
      take: RECENT_ORDERS,
      select: {
        id: true,
        name: true,
        processedAt: true,
        totalPrice: true,
        totalRefunded: true,
        cancelledAt: true,
        test: true,
      },
    }),
    storedShopModel(shop.id),
  ]);

  const summary = totals[0];
  const orders = Number(summary?.orders ?? 0);
  // Opted out of profiling: no score is shown, even before the next compute deletes it.
  const optedOut = customer.profilingOptOut;
  const score = optedOut ? null : customer.score;
  const clusterKey = score?.cluster ? `cluster-${score.cluster}` : null;
  const explained = score && storedModel ? await explainStoredScore(shop, customer.id, score, storedModel) : null;
  // The plan's gates: without predictions their figures and reasons are not shown (nor the
  // model's caveats, which are about them); without clusters the cluster is not.
  const { predictions, clusters } = shop.plan.features;
  const shown = (s: ExplainedScore) => (predictions || !PREDICTED_SCORES.has(s)) && (clusters || s !== "cluster");
  const explanation = explained && {
    lines: explained.lines.filter((l) => shown(l.score)),
    notes: predictions ? explained.notes : [],
    mismatched: explained.mismatched.filter(shown),
  };
  const predicted = <T>(value: T): T | null => (predictions ? value : null);
  return {
    customer: {
      id: customer.id.toString(),
      shopifyId: customer.shopifyId.toString(),
      name: customer.redactedAt ? "Redacted customer" : displayName(customer, customer.id),
      email: customer.redactedAt ? null : customer.email,
      tags: customer.tags,
      since: customer.shopifyCreatedAt?.toISOString() ?? null,
      // Where they are (default address: city, province, country only) and whether campaigns reach them.
      location: customer.redactedAt
        ? null
        : [customer.city, customer.provinceCode, customer.countryCode].filter(Boolean).join(", ") || null,
      emailMarketing: customer.emailMarketingState,
      smsMarketing: customer.smsMarketingState,
      /** Opted out of profiling: the opt-out tag, or Shopify's data sale opt-out (`dataSaleOptOut`). */
      optedOut,
      dataSaleOptOut: customer.dataSaleOptOut,
    },
    score: score
      ? {
          r: score.r,
          f: score.f,
          m: score.m,
          rfmSegment: score.rfmSegment,
          cluster: clusters ? score.cluster : null,
          clusterName: clusters
            ? ((clusterKey && storedModel?.clusters?.find((c) => c.key === clusterKey)?.name) ?? clusterKey)
            : null,
          lifecycle: score.lifecycle,
          lifecycleName: LIFECYCLE_STAGES.find((s) => s.key === score.lifecycle)?.name ?? score.lifecycle,
          pAlive: predicted(score.pAlive),
          churnRisk: predicted(score.churnRisk),
          expectedOrders: predicted(score.expectedOrders),
          expectedAov: predicted(score.expectedAov),
          clv: predicted(score.clv),
          nextOrderAt: predicted(score.nextOrderAt?.toISOString() ?? null),
          recencyDays: score.recencyDays,
          explanation: score.explanation,
          computedAt: score.computedAt.toISOString(),
          // Product affinity: what the customer spent most on (net of refunds), and how much of their spend.
          totalSpent: Number(score.totalSpent),
          topProductType: score.topProductType,
          topProductTypeSpend: score.topProductTypeSpend === null ? null : Number(score.topProductTypeSpend),
          topVendor: score.topVendor,
          topVendorSpend: score.topVendorSpend === null ? null : Number(score.topVendorSpend),
          topCollection: score.topCollection,
          topCollectionSpend: score.topCollectionSpend === null ? null : Number(score.topCollectionSpend),
        }
      : null,
    why: explanation,
    memberships: (optedOut ? [] : memberships).map((m) => ({
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
      discounted: Number(summary?.discounted ?? 0),
      pos: Number(summary?.pos ?? 0),
      online: Number(summary?.online ?? 0),
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

interface StoredShopModel {
  model: FittedModel;
  clusters: ClusterDescription[] | null;
  modelCaveat: string | null;
}

/** The shop's last fitted model with its cluster descriptions; the cohort table stays in the database. */
async function storedShopModel(shopId: number): Promise<StoredShopModel | null> {
  const rows = await jobDataDb().$queryRaw<
    { model: FittedModel | null; clusters: ClusterDescription[] | null; warnings: unknown }[]
  >`
    SELECT "params"->'model' AS "model", "params"->'clusters' AS "clusters", "params"->'diagnostics'->'modelWarnings' AS "warnings"
    FROM "ShopModel" WHERE "shopId" = ${shopId}`;
  const row = rows[0];
  if (!row?.model) return null;
  return { model: row.model, clusters: row.clusters, modelCaveat: modelCaveat(row.warnings, modelsInUse(row.model)) };
}

/** The fitted models the customer's predictions come from, named as fit warnings name them. */
function modelsInUse(model: FittedModel): Set<string> {
  const names = new Set<string>();
  const purchaseModel = livePurchaseModel(model);
  if (purchaseModel) names.add(purchaseModel);
  if (model.gammaGamma) names.add("Gamma-Gamma");
  return names;
}

/**
 * The run's fit warnings (`{ model, severity, message }`) about models the predictions use, as one
 * sentence. A fit found unusable was not used: the heuristic's note gives its reason instead.
 */
function modelCaveat(warnings: unknown, inUse: Set<string>): string | null {
  if (!Array.isArray(warnings)) return null;
  const messages = warnings.flatMap((w: unknown) =>
    w &&
    typeof w === "object" &&
    "message" in w &&
    typeof w.message === "string" &&
    (!("model" in w) || inUse.has(String(w.model))) &&
    !("severity" in w && w.severity === "unusable")
      ? [w.message]
      : [],
  );
  return messages.length > 0 ? [...new Set(messages)].join("; ") : null;
}

/** Why the stored scores are what they are: the customer's orders now, through the stored model. */
async function explainStoredScore(
  shop: ShopContext,
  customerId: bigint,
  score: Prisma.CustomerScoreGetPayload<object>,
  stored: StoredShopModel,
): Promise<CustomerExplanation> {
  const { columns } = await loadTransactions(jobDataDb(), shop.id, [customerId]);
  const orders = Array.from(columns.time, (time, i) => ({ time, amount: columns.amount[i] }));
  return explainCustomer({
    model: stored.model,
    summary: summarizeOrders(orders, stored.model.utcOffsetMinutes),
    scoredAt: score.computedAt.getTime(),
    shown: {
      r: score.r,
      f: score.f,
      m: score.m,
      rfmSegment: score.rfmSegment,
      lifecycle: score.lifecycle,
      cluster: score.cluster,
      pAlive: score.pAlive,
      churnRisk: score.churnRisk,
      expectedOrders: score.expectedOrders,
      expectedAov: score.expectedAov,
      clv: score.clv,
      nextOrderAt: score.nextOrderAt?.getTime() ?? null,
    },
    currency: shop.currency,
    clusters: stored.clusters ?? undefined,
    modelCaveat: stored.modelCaveat,
  });
}

export type CustomerDetail = Awaited<ReturnType<typeof customerDetail>>;
