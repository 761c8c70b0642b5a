import { appNow } from "~/clock.server";
import type { Db } from "~/db.server";
import type { FittedModel } from "~/segmentation/types";
import { scoreCustomer, summarizeOrders } from "~/segmentation";
import type { RuleField } from "~/segmentation/rules";
import { shopSettings } from "~/settings";
import { loadTransactions } from "~/compute/load.server";
import { isHeldOut, replaceMemberships, writeScores, type DesiredMemberships } from "~/compute/persist.server";
import { evaluateRuleSegments, loadRuleSegments } from "~/compute/rule-context.server";

// The dynamic path: one customer's orders changed, so score just them against the shop's last
// fitted model (no refit) and move them between segments now rather than at the next full run.

export type RescoreOutcome = "rescored" | "removed" | "no-model" | "unknown-customer";

export async function rescoreCustomer(db: Db, shopId: number, customerShopifyId: bigint, asOf = appNow()): Promise<RescoreOutcome> {
  const stored = await db.shopModel.findUnique({ where: { shopId } });
  if (!stored) return "no-model";
  const model = (stored.params as unknown as { model: FittedModel }).model;
  const customer = await db.customer.findUnique({ where: { shopId_shopifyId: { shopId, shopifyId: customerShopifyId } } });
  if (!customer || customer.deletedAt) return "unknown-customer";
  const id = customer.id.toString();

  const { columns } = await loadTransactions(db, shopId, [customer.id]);
  const orders = Array.from(columns.time, (time, i) => ({ time, amount: columns.amount[i] }));
  const summary = summarizeOrders(orders, model.utcOffsetMinutes);
  if (!summary) {
    await db.customerScore.deleteMany({ where: { shopId, customerId: customer.id } });
    await replaceMemberships(db, shopId, stored.runId, { customerId: [], segmentKey: [], control: [] }, { customerIds: [id] });
    return "removed";
  }
  const latest = Math.max(asOf.getTime(), summary.lastOrderAt);
  const score = scoreCustomer(model, summary, latest);
  const f = score.features;
  const one = (v: number) => Float64Array.of(v);
  const engineKeys = Object.values(score.segmentKeys);
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
    },
    rules,
  );
  for (const [key, mask] of ruleMembers) if (mask[0]) keys.push(key);
  const controlShare = shopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings).controlShare;
  const desired: DesiredMemberships = {
    customerId: keys.map(() => id),
    segmentKey: keys,
    control: keys.map((key) => isHeldOut(id, key, controlShare)),
  };
  // Memberships first, then the score: a reader who sees the new score sees its segments too.
  await replaceMemberships(db, shopId, stored.runId, desired, { customerIds: [id] });
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
    },
    asOf,
    false,
  );
  return "rescored";
}
