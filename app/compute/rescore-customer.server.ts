import { appNow } from "~/clock.server";
import type { Db } from "~/db.server";
import type { FittedModel } from "~/segmentation/types";
import { scoreCustomer, summarizeOrders } from "~/segmentation";
import { affinityMembership, topCategories, topColumns } from "~/segmentation/affinity";
import { customerSignals, qualifiesFor, SIGNAL_SEGMENTS, type SignalSegmentKey } from "~/segmentation/signals";
import type { RuleField } from "~/segmentation/rules";
import { shopSettings } from "~/settings";
import { effectivePlan, planFeatures } from "~/billing/plans";
import { loadTransactions } from "~/compute/load-transactions.server";
import { isHeldOut, replaceMemberships, writeScores, type DesiredMemberships } from "~/compute/persist.server";
import { evaluateRuleSegments, loadRuleSegments } from "~/compute/rule-context.server";

// The dynamic path: one customer's orders changed, so score just them against the shop's last
// fitted model (no refit) and move them between segments now rather than at the next full run.

export type RescoreOutcome = "rescored" | "removed" | "no-model" | "unknown-customer" | "over-limit";

export async function rescoreCustomer(
  db: Db,
  shopId: number,
  customerShopifyId: bigint,
  asOf = appNow(),
): Promise<RescoreOutcome> {
  const stored = await db.shopModel.findUnique({ where: { shopId } });
  if (!stored) return "no-model";
  const model = (stored.params as unknown as { model: FittedModel }).model;
  const customer = await db.customer.findUnique({
    where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } },
  });
  if (!customer || customer.deletedAt) return "unknown-customer";
  const id = customer.id.toString();
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { appPlan: true, settings: true } });
  const features = planFeatures(effectivePlan(shop.appPlan));
  // The plan's customer limit: a customer not scored yet waits for the next full compute (which
  // scores the most recent buyers) when the shop already has as many scores as the plan allows.
  if (features.customerLimit !== null && !customer.profilingOptOut) {
    const scored = await db.customerScore.findUnique({
      where: { shopId_customerId: { shopId, customerId: customer.id } },
      select: { customerId: true },
    });
    if (!scored && (await db.customerScore.count({ where: { shopId } })) >= features.customerLimit) return "over-limit";
  }

  const { columns, lines, signals } = await loadTransactions(db, shopId, [customer.id], { lines: true });
  const orders = Array.from(columns.time, (time, i) => ({ time, amount: columns.amount[i] }));
  // Opted out of profiling: no score and no segment; the push then takes back what it sent them.
  const summary = customer.profilingOptOut ? null : summarizeOrders(orders, model.utcOffsetMinutes);
  if (!summary) {
    await db.customerScore.deleteMany({ where: { shopId, customerId: customer.id } });
    await replaceMemberships(
      db,
      shopId,
      stored.runId,
      asOf,
      { customerId: [], segmentKey: [], control: [] },
      { customerIds: [id] },
    );
    return "removed";
  }
  const latest = Math.max(asOf.getTime(), summary.lastOrderAt);
  const score = scoreCustomer(model, summary, latest);
  const f = score.features;
  const one = (v: number) => Float64Array.of(v);
  // Segments the plan leaves out (as in the full compute): churn risk without predictions, clusters.
  const { churnRisk, cluster, ...always } = score.segmentKeys;
  const engineKeys = [
    ...Object.values(always),
    ...(features.predictions ? [churnRisk] : []),
    ...(features.clusters && cluster !== null ? [cluster] : []),
  ];
  // Product affinity from the customer's own lines; the affinity segments are the last full run's.
  const top = topCategories(lines);
  const affinity = await db.segment.findMany({
    where: { shopId, kind: "AFFINITY" },
    select: { key: true, definition: true },
  });
  const [affinityKey] = affinityMembership(
    top.productType,
    lines.names.productType,
    affinity.map((a) => ({
      key: a.key,
      productType: String((a.definition as { productType?: unknown }).productType ?? ""),
    })),
  );
  if (affinityKey) engineKeys.push(affinityKey);
  // Signal segments: the ones the last full run kept, by the customer's own orders.
  const perCustomerSignals = customerSignals(signals);
  const signalKeys = new Set(
    (await db.segment.findMany({ where: { shopId, kind: "SIGNAL" }, select: { key: true } })).map((s) => s.key),
  );
  for (const segment of SIGNAL_SEGMENTS)
    if (signalKeys.has(segment.key) && qualifiesFor(segment.key as SignalSegmentKey, perCustomerSignals, 0))
      engineKeys.push(segment.key);
  const keys = [...engineKeys];
  // Invalid rules are skipped here; the full run reports them.
  const { rules } = await loadRuleSegments(db, shopId);
  const ruleMembers = await evaluateRuleSegments(
    {
      db,
      shopId,
      customerIds: [id],
      sourceIndex: Int32Array.of(0),
      transactions: columns,
      feature: (field: RuleField) => one(f[field]),
      inSegment: (key) => Uint8Array.of(engineKeys.includes(key) ? 1 : 0),
      asOf: latest,
      lines,
      top,
      signals,
      customerSignals: perCustomerSignals,
    },
    rules,
  );
  for (const [key, mask] of ruleMembers) if (mask[0]) keys.push(key);
  const controlShare = shopSettings(shop.settings).controlShare;
  const desired: DesiredMemberships = {
    customerId: keys.map(() => id),
    segmentKey: keys,
    control: keys.map((key) => isHeldOut(id, key, controlShare)),
  };
  // Memberships first, then the score: a reader who sees the new score sees its segments too.
  await replaceMemberships(db, shopId, stored.runId, asOf, desired, { customerIds: [id] });
  await writeScores(
    db,
    shopId,
    {
      customerIds: [id],
      orderCount: one(f.orders),
      totalSpent: one(f.totalSpend),
      firstOrderAt: one(f.firstOrderAt),
      lastOrderAt: one(f.lastOrderAt),
      recencyDays: one(f.recencyDays),
      r: Uint8Array.of(f.rfmRecency),
      f: Uint8Array.of(f.rfmFrequency),
      m: Uint8Array.of(f.rfmMonetary),
      rfmSegment: [score.segmentKeys.rfm],
      cluster: Int32Array.of(f.cluster),
      lifecycle: [score.segmentKeys.lifecycle],
      pAlive: one(f.pAlive),
      churnRisk: one(f.churnRisk),
      interPurchaseDays: one(f.interPurchaseDays),
      expectedOrders: one(f.expectedOrders),
      expectedAov: one(f.expectedOrderValue),
      clv: one(f.clv),
      nextOrderAt: one(score.nextOrderAt),
      explanation: [score.explanation],
      ...topColumns(lines, top),
    },
    asOf,
    false,
  );
  return "rescored";
}
