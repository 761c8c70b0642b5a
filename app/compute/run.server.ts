import { appNow } from "~/clock.server";
import type { Db } from "~/db.server";
import type { Prisma, SegmentKind } from "~/generated/prisma/client";
import { analyzeShop, segmentKeysOf, type ShopAnalysis } from "~/segmentation";
import type { RuleField } from "~/segmentation/rules";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "~/segmentation/segments";
import { shopSettings } from "~/settings";
import { loadTransactions, utcOffsetMinutes } from "~/compute/load.server";
import { isHeldOut, replaceMemberships, writeScores, writeSnapshots, type DesiredMemberships } from "~/compute/persist.server";
import { evaluateRuleSegments, loadRuleSegments } from "~/compute/rule-context.server";

// One full recompute of a shop: orders → engine → scores, segments, memberships, snapshots
// and the fitted model (kept so a single customer can be re-scored between full runs).

const KIND: Record<string, SegmentKind> = { rfm: "RFM", cluster: "CLUSTER", lifecycle: "LIFECYCLE", "churn-risk": "PREDICTIVE" };

export interface ComputeResult {
  customers: number;
  orders: number;
  segments: number;
  ruleSegments: number;
  ruleErrors: Record<string, string>;
  memberships: number;
  entered: number;
  left: number;
  fallbackReason: string | null;
  timings: { stage: string; ms: number }[];
}

/** The engine run over a shop's stored orders as of `asOf`, with the merchant's settings. */
export async function analyzeStoredShop(db: Db, shopId: number, asOf: Date) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const settings = shopSettings(shop.settings);
  const offset = utcOffsetMinutes(settings.timezone ?? shop.timezone, asOf);
  const { columns, orderCount } = await loadTransactions(db, shopId);
  const analysis = analyzeShop(columns, {
    asOf,
    utcOffsetMinutes: offset,
    kMin: settings.kMin,
    kMax: Math.max(settings.kMin, settings.kMax),
    clvHorizonMonths: settings.clvHorizonMonths,
    monthlyDiscountRate: settings.monthlyDiscountRate,
  });
  return { settings, columns, orderCount, analysis };
}

/**
 * Stores a run's fitted model with its shop-level tables (clusters, cohorts, diagnostics): what
 * re-scoring one customer between runs and the cohorts page read.
 */
export async function storeShopModel(db: Db, shopId: number, runId: bigint, analysis: ShopAnalysis, asOf: Date): Promise<void> {
  const params = {
    model: analysis.model,
    clusters: analysis.clusters,
    cohorts: analysis.cohorts,
    diagnostics: analysis.diagnostics,
    asOf: asOf.toISOString(),
  };
  const json = JSON.parse(JSON.stringify(params)) as Prisma.InputJsonObject;
  await db.shopModel.upsert({
    where: { shopId },
    create: { shopId, runId, params: json, fittedAt: asOf },
    update: { runId, params: json, fittedAt: asOf },
  });
}

export async function computeShop(db: Db, shopId: number, runId: bigint, asOf = appNow()): Promise<ComputeResult> {
  const { settings, columns, orderCount, analysis } = await analyzeStoredShop(db, shopId, asOf);
  const customers = analysis.customers;
  const n = customers.count;

  await writeScores(db, shopId, scoreColumns(analysis), asOf);
  await upsertEngineSegments(db, shopId, analysis);

  // Engine memberships: one segment of each kind per customer.
  const engineKeys: string[][] = Array.from({ length: n }, (_, c) => segmentKeysOf(analysis, c));
  const keyMasks = new Map<string, Uint8Array>();
  const inSegment = (key: string) => {
    let mask = keyMasks.get(key);
    if (!mask) {
      mask = new Uint8Array(n);
      for (let c = 0; c < n; c++) if (engineKeys[c].includes(key)) mask[c] = 1;
      keyMasks.set(key, mask);
    }
    return mask;
  };

  // Rule segments: validated again at run time; a broken rule is reported, not fatal.
  const ruleSegments = await loadRuleSegments(db, shopId);
  const ruleMembers = await evaluateRuleSegments(
    {
      db,
      shopId,
      customerIds: customers.ids,
      sourceIndex: customers.sourceIndex,
      transactions: columns,
      feature: (field: RuleField) => customers.features[field],
      inSegment,
      asOf: asOf.getTime(),
    },
    ruleSegments.rules,
  );
  for (const segment of ruleSegments.segments) {
    const error = ruleSegments.errors[segment.key] ?? null;
    const definition = { ...(segment.definition as Prisma.JsonObject), error };
    await db.segment.update({ where: { id: segment.id }, data: { definition } });
  }

  const desired: DesiredMemberships = { customerId: [], segmentKey: [], control: [] };
  const add = (c: number, key: string) => {
    desired.customerId.push(customers.ids[c]);
    desired.segmentKey.push(key);
    desired.control.push(isHeldOut(customers.ids[c], key, settings.controlShare));
  };
  for (let c = 0; c < n; c++) {
    for (const key of engineKeys[c]) add(c, key);
    for (const [key, mask] of ruleMembers) if (mask[c]) add(c, key);
  }
  const change = await replaceMemberships(db, shopId, runId, desired);
  await writeSnapshots(db, shopId, runId, asOf);

  await storeShopModel(db, shopId, runId, analysis, asOf);

  return {
    customers: n,
    orders: orderCount,
    segments: analysis.segments.length,
    ruleSegments: ruleSegments.rules.length,
    ruleErrors: ruleSegments.errors,
    memberships: change.total,
    entered: change.entered,
    left: change.left,
    fallbackReason: analysis.model.fallbackReason,
    timings: analysis.timings,
  };
}

function scoreColumns(analysis: ShopAnalysis) {
  const c = analysis.customers;
  const f = c.features;
  return {
    customerIds: c.ids,
    orderCount: f.orders,
    totalSpent: f.totalSpend,
    firstOrderAt: f.firstOrderAt,
    lastOrderAt: f.lastOrderAt,
    recencyDays: f.recencyDays,
    r: c.rfm.recency,
    f: c.rfm.frequency,
    m: c.rfm.monetary,
    rfmSegment: Array.from(c.rfm.segment, (s) => RFM_SEGMENTS[s].key),
    cluster: Int32Array.from(c.cluster, (k) => k + 1),
    lifecycle: Array.from(c.lifecycle, (s) => LIFECYCLE_STAGES[s].key),
    pAlive: f.pAlive,
    churnRisk: f.churnRisk,
    interPurchaseDays: f.interPurchaseDays,
    expectedOrders: f.expectedOrders,
    expectedAov: f.expectedOrderValue,
    clv: f.clv,
    nextOrderAt: c.nextOrderAt,
    explanation: c.explanations,
  };
}

/** Engine segments are upserted by key: names and descriptions follow the run, `enabled` stays the merchant's. */
async function upsertEngineSegments(db: Db, shopId: number, analysis: ShopAnalysis) {
  const clusterInfo = new Map(analysis.clusters.map((c) => [c.key, c]));
  const all = [...RFM_SEGMENTS, ...LIFECYCLE_STAGES, ...CHURN_RISK_LEVELS, ...analysis.clusters.map((c) => ({ ...c, kind: "cluster" }))];
  for (const segment of all) {
    const cluster = clusterInfo.get(segment.key);
    const description = cluster?.description ?? ("description" in segment ? String(segment.description) : null);
    const definition = cluster ? { source: "engine", centroid: cluster.centroid } : { source: "engine" };
    await db.segment.upsert({
      where: { shopId_key: { shopId, key: segment.key } },
      create: { shopId, key: segment.key, kind: KIND[segment.kind], name: segment.name, description, definition },
      update: { name: segment.name, description, definition },
    });
  }
  // Fewer clusters than last run: the surplus ones are gone (their members move in this run;
  // the push deletes their Shopify segments and tags from its own records).
  await db.segment.deleteMany({ where: { shopId, kind: "CLUSTER", key: { notIn: analysis.clusters.map((c) => c.key) } } });
}
