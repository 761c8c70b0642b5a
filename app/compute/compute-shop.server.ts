import { appNow } from "~/clock.server";
import type { Db } from "~/db.server";
import type { Prisma, SegmentKind } from "~/generated/prisma/client";
import { analyzeShop, DEFAULT_OPTIONS, segmentKeysOf, type FittedModel, type ShopAnalysis } from "~/segmentation";
import {
  affinityMembership,
  affinitySegments,
  reindexTop,
  topCategories,
  topColumns,
  type AffinitySegment,
} from "~/segmentation/affinity";
import { customerSignals, reindexSignals, signalSegments, type SIGNAL_SEGMENTS } from "~/segmentation/signals";
import { PURCHASE_MODEL_CANDIDATES } from "~/segmentation/choose-model";
import { checkPredictions } from "~/segmentation/prediction-check";
import type { RuleField } from "~/segmentation/rules";
import { engineNamesAvoiding, nameKey } from "~/segmentation/segment-names";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "~/segmentation/segments";
import { shopSettings } from "~/settings";
import { effectivePlan, planFeatures, type PlanFeatures } from "~/billing/plans";
import { loadTransactions, utcOffsetMinutes } from "~/compute/load-transactions.server";
import {
  isHeldOut,
  replaceMemberships,
  writeScores,
  writeSnapshots,
  type DesiredMemberships,
  type RowsWritten,
} from "~/compute/persist.server";
import { evaluateRuleSegments, loadRuleSegments } from "~/compute/rule-context.server";
import { storePredictionCheck, type StoredPredictionCheck } from "~/compute/prediction-check.server";
import { measureSegmentLifts, storeSegmentLifts } from "~/compute/lift.server";

// One full recompute of a shop: orders → engine → scores, segments, memberships, snapshots
// and the fitted model (kept so a single customer can be re-scored between full runs).

const KIND: Record<string, SegmentKind> = {
  rfm: "RFM",
  cluster: "CLUSTER",
  lifecycle: "LIFECYCLE",
  "churn-risk": "PREDICTIVE",
};

export interface ComputeResult {
  customers: number;
  orders: number;
  segments: number;
  /** This run's automatic affinity segments (product types with enough customers). */
  affinitySegments: { key: string; productType: string; members: number }[];
  /** This run's automatic signal segments (discounts, channels) that reached the minimum size. */
  signalSegments: { key: string; members: number }[];
  ruleSegments: number;
  ruleErrors: Record<string, string>;
  memberships: number;
  entered: number;
  left: number;
  fallbackReason: string | null;
  /** The prediction check's verdict: false withholds predictive segments and score metafields from Shopify. */
  predictionsSufficient: boolean;
  timings: { stage: string; ms: number }[];
  /** Rows this run wrote: only what changed (a re-run with nothing changed writes no score or membership). */
  written: {
    scores: RowsWritten;
    memberships: { inserted: number; updated: number; deleted: number };
    snapshots: number;
    /** SegmentLift rows: one per segment with a control group and window. */
    lifts: number;
  };
  /** Wall time of each phase, milliseconds. */
  phaseMs: {
    load: number;
    check: number;
    engine: number;
    affinity: number;
    scores: number;
    memberships: number;
    snapshots: number;
    lift: number;
    total: number;
  };
}

/**
 * The engine run over a shop's stored orders as of `asOf`, with the merchant's settings. The
 * prediction check (backtest on the last horizon, sufficiency verdict, label cut-offs) runs
 * first: the live labels use the cut-offs it measured when it supports them.
 */
export async function analyzeStoredShop(db: Db, shopId: number, asOf: Date) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const settings = shopSettings(shop.settings);
  const features = planFeatures(effectivePlan(shop.appPlan));
  const offset = utcOffsetMinutes(settings.timezone ?? shop.timezone, asOf);
  const loadStarted = performance.now();
  // The plan's customer limit: the most recently ordering customers are scored, the rest are not.
  const { columns, orderCount, lines, signals } = await loadTransactions(db, shopId, undefined, {
    lines: true,
    customerLimit: features.customerLimit,
  });
  const loadMs = performance.now() - loadStarted;
  // The last run's clusters, so the groups found again keep their keys (tags, Shopify segments).
  const previous = await db.shopModel.findUnique({ where: { shopId }, select: { params: true } });
  const previousClustering = (previous?.params as { model?: FittedModel } | undefined)?.model?.clustering ?? null;
  const horizonDays = settings.predictionHorizonDays;
  const checkStart = performance.now();
  // Every candidate: the live predictions follow the one it chooses where the stored model can.
  const check = checkPredictions(columns, {
    asOf,
    utcOffsetMinutes: offset,
    horizonDays,
    predictionHorizonDays: horizonDays,
    candidates: PURCHASE_MODEL_CANDIDATES,
  });
  const checkMs = performance.now() - checkStart;
  const { churnRiskHighFrom, churnedBelowPAlive } = check.cutoffs;
  const options = {
    asOf,
    utcOffsetMinutes: offset,
    kMin: settings.kMin,
    kMax: Math.max(settings.kMin, settings.kMax),
    clvHorizonMonths: settings.clvHorizonMonths,
    monthlyDiscountRate: settings.monthlyDiscountRate,
    predictionHorizonDays: horizonDays,
    churnRiskHighFrom,
    // "Slipping away" starts no lower than "Churned" ends (the engine requires it).
    lifecycle: {
      churnedBelowPAlive,
      atRiskBelowPAlive: Math.max(DEFAULT_OPTIONS.lifecycle.atRiskBelowPAlive, churnedBelowPAlive),
    },
  };
  const chosen = check.models.find((m) => m.name === check.choice.chosen);
  const engineStarted = performance.now();
  const analysis = analyzeShop(columns, options, {
    previousClustering,
    modelChoice: { chosen: check.choice.chosen, label: chosen?.label ?? null },
  });
  const engineMs = performance.now() - engineStarted;
  analysis.timings.unshift({ stage: "prediction check", ms: checkMs });
  const predictionCheck: StoredPredictionCheck = {
    ...check,
    fitWarnings: analysis.diagnostics.modelWarnings,
    live: analysis.diagnostics.liveModel,
  };
  return {
    settings,
    features,
    columns,
    orderCount,
    lines,
    signals,
    analysis,
    predictionCheck,
    loadMs,
    checkMs,
    engineMs,
  };
}

/**
 * Stores a run's fitted model with its shop-level tables (clusters, cohorts, diagnostics): what
 * re-scoring one customer between runs and the cohorts page read.
 */
export async function storeShopModel(
  db: Db,
  shopId: number,
  runId: bigint,
  analysis: ShopAnalysis,
  predictionCheck: StoredPredictionCheck,
  asOf: Date,
): Promise<void> {
  await storePredictionCheck(db, shopId, runId, asOf, predictionCheck);
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

/** Rows written by one run above which it refreshes the tables' statistics. */
const LARGE_WRITE_ROWS = 10_000;

export async function computeShop(db: Db, shopId: number, runId: bigint, asOf = appNow()): Promise<ComputeResult> {
  const started = performance.now();
  const {
    settings,
    features,
    columns,
    orderCount,
    lines,
    signals,
    analysis,
    predictionCheck,
    loadMs,
    checkMs,
    engineMs,
  } = await analyzeStoredShop(db, shopId, asOf);
  // Segments the plan does not include (churn risk without predictions, clusters): no members.
  const gated = gatedEngineKeys(analysis, features);
  const customers = analysis.customers;
  const n = customers.count;
  // Product affinity: one pass over the lines; per analysed customer from here on.
  let mark = performance.now();
  const top = topCategories(lines);
  const customerTop = reindexTop(top, customers.sourceIndex);
  const affinity = affinitySegments(customerTop.productType, lines.names.productType, n);
  const affinityKeys = affinityMembership(customerTop.productType, lines.names.productType, affinity);
  // Signal segments (discounts, channels): one pass over the orders, then per analysed customer.
  const perCustomerSignals = customerSignals(signals);
  const signal = signalSegments(reindexSignals(perCustomerSignals, customers.sourceIndex), n);
  const affinityMs = performance.now() - mark;

  mark = performance.now();
  const scoresWritten = await writeScores(
    db,
    shopId,
    { ...scoreColumns(analysis), ...topColumns(lines, customerTop) },
    asOf,
  );
  const scoresMs = performance.now() - mark;
  await upsertEngineSegments(db, shopId, analysis, gated);
  await upsertAffinitySegments(db, shopId, affinity);
  await upsertSignalSegments(db, shopId, signal);

  // Engine memberships: one segment of each kind per customer, and the affinity segment of their top type.
  const engineKeys: string[][] = Array.from({ length: n }, (_, c) => {
    const keys =
      gated.size === 0 ? segmentKeysOf(analysis, c) : segmentKeysOf(analysis, c).filter((k) => !gated.has(k));
    const key = affinityKeys[c];
    if (key) keys.push(key);
    for (const s of signal) if (s.members[c]) keys.push(s.key);
    return keys;
  });
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
      lines,
      top,
      signals,
      customerSignals: perCustomerSignals,
    },
    ruleSegments.rules,
  );
  for (const segment of ruleSegments.segments) {
    const error = ruleSegments.errors[segment.key] ?? null;
    const definition = { ...(segment.definition as Prisma.JsonObject), error };
    await db.segment.update({ where: { shopId_id: { shopId, id: segment.id } }, data: { definition } });
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
  mark = performance.now();
  const change = await replaceMemberships(db, shopId, runId, asOf, desired);
  const membershipsMs = performance.now() - mark;
  // A large write (a first run, a big shop's reshuffle) leaves the planner's statistics behind;
  // the push's tag diff then planned a nested loop over the whole shop. Refresh them once.
  if (change.entered + change.left + scoresWritten.inserted + scoresWritten.deleted >= LARGE_WRITE_ROWS) {
    await db.$executeRaw`ANALYZE "CustomerScore", "Membership"`;
  }
  mark = performance.now();
  const snapshots = await writeSnapshots(db, shopId, runId, asOf);
  const snapshotsMs = performance.now() - mark;
  // After the memberships: this run's entries are in the cohort (their windows start now).
  mark = performance.now();
  const lifts = await storeSegmentLifts(
    db,
    shopId,
    runId,
    asOf,
    await measureSegmentLifts(db, shopId, asOf, columns, settings.controlShare),
  );
  const liftMs = performance.now() - mark;

  await storeShopModel(db, shopId, runId, analysis, predictionCheck, asOf);

  return {
    customers: n,
    orders: orderCount,
    segments: analysis.segments.length + affinity.length + signal.length,
    affinitySegments: affinity.map((a) => ({ key: a.key, productType: a.productType, members: a.members })),
    signalSegments: signal.map((s) => ({ key: s.key, members: s.size })),
    ruleSegments: ruleSegments.rules.length,
    ruleErrors: ruleSegments.errors,
    memberships: change.total,
    entered: change.entered,
    left: change.left,
    fallbackReason: analysis.model.fallbackReason,
    predictionsSufficient: predictionCheck.sufficiency.sufficient,
    timings: analysis.timings,
    written: {
      scores: scoresWritten,
      memberships: { inserted: change.entered, updated: change.controlChanged, deleted: change.left },
      snapshots,
      lifts,
    },
    phaseMs: {
      load: Math.round(loadMs),
      check: Math.round(checkMs),
      engine: Math.round(engineMs),
      affinity: Math.round(affinityMs),
      scores: Math.round(scoresMs),
      memberships: Math.round(membershipsMs),
      snapshots: Math.round(snapshotsMs),
      lift: Math.round(liftMs),
      total: Math.round(performance.now() - started),
    },
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
    cluster: Int32Array.from(f.cluster),
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

/** Keys of the engine segments the plan leaves out: churn-risk levels without predictions, clusters without clusters. */
function gatedEngineKeys(analysis: ShopAnalysis, features: PlanFeatures): Set<string> {
  return new Set([
    ...(features.predictions ? [] : CHURN_RISK_LEVELS.map((s) => s.key)),
    ...(features.clusters ? [] : analysis.clusters.map((c) => c.key)),
  ]);
}

/** Engine segments are upserted by key: names and descriptions follow the run, `enabled` stays the merchant's. */
async function upsertEngineSegments(db: Db, shopId: number, analysis: ShopAnalysis, gated: ReadonlySet<string>) {
  const clusterInfo = new Map(analysis.clusters.map((c) => [c.key, c]));
  const clusters = analysis.clusters.filter((c) => !gated.has(c.key));
  // Gated churn-risk segments keep their rows (the merchant's switches) and lose their members.
  const all = [
    ...RFM_SEGMENTS,
    ...LIFECYCLE_STAGES,
    ...CHURN_RISK_LEVELS.filter((s) => !gated.has(s.key)),
    ...clusters.map((c) => ({ ...c, kind: "cluster" as const })),
  ];
  const ruleNames = (await db.segment.findMany({ where: { shopId, kind: "RULE" }, select: { name: true } })).map(
    (r) => r.name,
  );
  const names = engineNamesAvoiding(all, ruleNames);
  for (const segment of all) {
    const name = names.get(segment.key) ?? segment.name;
    const cluster = clusterInfo.get(segment.key);
    const description = cluster?.description ?? ("description" in segment ? String(segment.description) : null);
    const definition = cluster ? { source: "engine", centroid: cluster.centroid } : { source: "engine" };
    await db.segment.upsert({
      where: { shopId_key: { shopId, key: segment.key } },
      create: { shopId, key: segment.key, kind: KIND[segment.kind], name, description, definition },
      update: { name, description, definition },
    });
  }
  // Fewer clusters than last run: the surplus ones are gone (their members move in this run;
  // the push deletes their Shopify segments and tags from its own records).
  await db.segment.deleteMany({
    where: { shopId, kind: "CLUSTER", key: { notIn: clusters.map((c) => c.key) } },
  });
}

/**
 * Affinity segments are upserted by key (the product type's name), so a run that finds the same
 * type again keeps its segment, tag and Shopify segment; a type that no longer has enough
 * customers loses its segment here, its members leave in this run and the push takes back its
 * tags and Shopify segment (as for a cluster that is no longer found).
 */
async function upsertAffinitySegments(db: Db, shopId: number, segments: AffinitySegment[]) {
  const ruleNames = new Set(
    (await db.segment.findMany({ where: { shopId, kind: "RULE" }, select: { name: true } })).map((r) =>
      nameKey(r.name),
    ),
  );
  for (const segment of segments) {
    // A merchant's rule segment of the same name keeps it; ours says what it is.
    const name = ruleNames.has(nameKey(segment.name)) ? `${segment.name} (product affinity)` : segment.name;
    const description = `Customers whose top product type by net spend is ${segment.productType}`;
    const definition = { source: "affinity", productType: segment.productType };
    await db.segment.upsert({
      where: { shopId_key: { shopId, key: segment.key } },
      create: { shopId, key: segment.key, kind: "AFFINITY", name, description, definition },
      update: { kind: "AFFINITY", name, description, definition },
    });
  }
  await db.segment.deleteMany({
    where: { shopId, kind: "AFFINITY", key: { notIn: segments.map((s) => s.key) } },
  });
}

/**
 * Signal segments are upserted by their fixed keys; one whose members fell below the minimum size
 * loses its segment here (its members leave in this run, the push takes back tags and the
 * Shopify segment), as an affinity segment does.
 */
async function upsertSignalSegments(db: Db, shopId: number, segments: (typeof SIGNAL_SEGMENTS)[number][]) {
  const ruleNames = new Set(
    (await db.segment.findMany({ where: { shopId, kind: "RULE" }, select: { name: true } })).map((r) =>
      nameKey(r.name),
    ),
  );
  for (const segment of segments) {
    const name = ruleNames.has(nameKey(segment.name)) ? `${segment.name} (buying habits)` : segment.name;
    const definition = { source: "signal", signal: segment.key };
    await db.segment.upsert({
      where: { shopId_key: { shopId, key: segment.key } },
      create: { shopId, key: segment.key, kind: "SIGNAL", name, description: segment.description, definition },
      update: { kind: "SIGNAL", name, description: segment.description, definition },
    });
  }
  await db.segment.deleteMany({
    where: { shopId, kind: "SIGNAL", key: { notIn: segments.map((s) => s.key) } },
  });
}
