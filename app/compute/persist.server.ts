import { createHash } from "node:crypto";
import type { Db } from "~/db.server";

// Writes one compute run's results. Scores are upserted in chunks over arrays (unnest); the
// membership change is computed in SQL against a temporary table of the desired memberships,
// so entries and exits (MembershipEvent) and `since` dates stay exact at any shop size.

const CHUNK = 10_000;

export interface ScoreColumns {
  customerIds: string[];
  orderCount: Float64Array;
  totalSpent: Float64Array;
  firstOrderAt: Float64Array;
  lastOrderAt: Float64Array;
  recencyDays: Float64Array;
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  rfmSegment: string[];
  cluster: Int32Array;
  lifecycle: string[];
  pAlive: Float64Array;
  churnRisk: Float64Array;
  interPurchaseDays: Float64Array;
  expectedOrders: Float64Array;
  expectedAov: Float64Array;
  clv: Float64Array;
  nextOrderAt: Float64Array;
  explanation: string[];
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** Upserts scores; a full run (`prune`) also drops scores of customers it no longer scores. */
export async function writeScores(db: Db, shopId: number, s: ScoreColumns, computedAt: Date, prune = true): Promise<void> {
  for (let start = 0; start < s.customerIds.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, s.customerIds.length);
    const range = Array.from({ length: end - start }, (_, i) => start + i);
    await db.$executeRaw`
      INSERT INTO "CustomerScore" ("customerId", "shopId", "orderCount", "totalSpent", "firstOrderAt", "lastOrderAt",
        "recencyDays", "r", "f", "m", "rfmSegment", "cluster", "lifecycle", "pAlive", "churnRisk", "interPurchaseDays",
        "expectedOrders", "expectedAov",
        "clv", "nextOrderAt", "explanation", "computedAt")
      SELECT v.id, ${shopId}, v.orders, v.spent, v.first, v.last, v.recency, v.r, v.f, v.m, v.rfm, v.cluster, v.lifecycle,
        v.palive, v.churn, v.gaps, v.expected, v.aov, v.clv, v.next, v.explanation, ${computedAt}
      FROM unnest(
        ${range.map((i) => s.customerIds[i])}::bigint[],
        ${range.map((i) => Math.round(s.orderCount[i]))}::int[],
        ${range.map((i) => s.totalSpent[i].toFixed(2))}::numeric[],
        ${range.map((i) => isoOrNull(s.firstOrderAt[i]))}::timestamp(3)[],
        ${range.map((i) => isoOrNull(s.lastOrderAt[i]))}::timestamp(3)[],
        ${range.map((i) => finite(s.recencyDays[i]))}::float8[],
        ${range.map((i) => s.r[i])}::int[],
        ${range.map((i) => s.f[i])}::int[],
        ${range.map((i) => s.m[i])}::int[],
        ${range.map((i) => s.rfmSegment[i])}::text[],
        ${range.map((i) => s.cluster[i])}::int[],
        ${range.map((i) => s.lifecycle[i])}::text[],
        ${range.map((i) => finite(s.pAlive[i]))}::float8[],
        ${range.map((i) => finite(s.churnRisk[i]))}::float8[],
        ${range.map((i) => finite(s.interPurchaseDays[i]))}::float8[],
        ${range.map((i) => finite(s.expectedOrders[i]))}::float8[],
        ${range.map((i) => finite(s.expectedAov[i]))}::float8[],
        ${range.map((i) => finite(s.clv[i]))}::float8[],
        ${range.map((i) => isoOrNull(s.nextOrderAt[i]))}::timestamp(3)[],
        ${range.map((i) => s.explanation[i] ?? "")}::text[]
      ) AS v(id, orders, spent, first, last, recency, r, f, m, rfm, cluster, lifecycle, palive, churn, gaps, expected, aov, clv,
            next, explanation)
      ON CONFLICT ("customerId") DO UPDATE SET
        "orderCount" = EXCLUDED."orderCount", "totalSpent" = EXCLUDED."totalSpent",
        "firstOrderAt" = EXCLUDED."firstOrderAt", "lastOrderAt" = EXCLUDED."lastOrderAt",
        "recencyDays" = EXCLUDED."recencyDays", "r" = EXCLUDED."r", "f" = EXCLUDED."f", "m" = EXCLUDED."m",
        "rfmSegment" = EXCLUDED."rfmSegment", "cluster" = EXCLUDED."cluster", "lifecycle" = EXCLUDED."lifecycle",
        "pAlive" = EXCLUDED."pAlive", "churnRisk" = EXCLUDED."churnRisk", "interPurchaseDays" = EXCLUDED."interPurchaseDays",
        "expectedOrders" = EXCLUDED."expectedOrders", "expectedAov" = EXCLUDED."expectedAov",
        "clv" = EXCLUDED."clv", "nextOrderAt" = EXCLUDED."nextOrderAt", "explanation" = EXCLUDED."explanation",
        "computedAt" = EXCLUDED."computedAt"`;
  }
  // Customers who no longer have a scorable order (all refunded, deleted…) lose their score.
  if (prune) await db.$executeRaw`DELETE FROM "CustomerScore" WHERE "shopId" = ${shopId} AND "computedAt" < ${computedAt}`;
}

/** A stable pseudo-random number in [0, 1) per (customer, segment): who is held out never flips. */
export function holdoutUnit(customerId: string, segmentKey: string): number {
  return createHash("sha1").update(`${customerId}:${segmentKey}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whether the customer is held out of the segment as its control group (`share` of 0 = nobody). */
export function isHeldOut(customerId: string, segmentKey: string, share: number): boolean {
  return share > 0 && holdoutUnit(customerId, segmentKey) < share;
}

export interface DesiredMemberships {
  customerId: string[];
  segmentKey: string[];
  control: boolean[];
}

export interface MembershipChange {
  entered: number;
  left: number;
  total: number;
}

/**
 * Makes the shop's memberships exactly `desired` (optionally only for `customerIds`, for the
 * dynamic one-customer path), recording who entered and who left under `runId`.
 */
export async function replaceMemberships(
  db: Db,
  shopId: number,
  runId: bigint,
  desired: DesiredMemberships,
  scope?: { customerIds: string[]; segmentKeys?: string[] },
): Promise<MembershipChange> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`CREATE TEMP TABLE desired ("customerId" bigint, "segmentKey" text, "control" boolean) ON COMMIT DROP`;
      for (let start = 0; start < desired.customerId.length; start += CHUNK * 5) {
        const end = Math.min(start + CHUNK * 5, desired.customerId.length);
        await tx.$executeRaw`
          INSERT INTO desired SELECT * FROM unnest(
            ${desired.customerId.slice(start, end)}::bigint[], ${desired.segmentKey.slice(start, end)}::text[],
            ${desired.control.slice(start, end)}::boolean[])`;
      }
      // Without statistics the planner treats the temp table as tiny and picks nested loops.
      await tx.$executeRaw`CREATE INDEX ON desired ("customerId", "segmentKey")`;
      await tx.$executeRaw`ANALYZE desired`;
      const scopeCustomers = scope ? scope.customerIds : null;
      const scopeKeys = scope?.segmentKeys ?? null;
      const left = await tx.$executeRaw`
        WITH gone AS (
          DELETE FROM "Membership" m
          WHERE m."shopId" = ${shopId}
            AND (${scopeCustomers}::bigint[] IS NULL OR m."customerId" = ANY(${scopeCustomers}::bigint[]))
            AND (${scopeKeys}::text[] IS NULL OR m."segmentKey" = ANY(${scopeKeys}::text[]))
            AND NOT EXISTS (SELECT 1 FROM desired d WHERE d."customerId" = m."customerId" AND d."segmentKey" = m."segmentKey")
          RETURNING m."customerId", m."segmentKey")
        INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered")
        SELECT ${shopId}, ${runId}, "customerId", "segmentKey", false FROM gone`;
      const entered = await tx.$executeRaw`
        WITH added AS (
          INSERT INTO "Membership" ("shopId", "customerId", "segmentKey", "control")
          SELECT ${shopId}, d."customerId", d."segmentKey", d."control" FROM desired d
          ON CONFLICT ("shopId", "customerId", "segmentKey") DO UPDATE SET "control" = EXCLUDED."control"
          RETURNING "customerId", "segmentKey", (xmax = 0) AS inserted)
        INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered")
        SELECT ${shopId}, ${runId}, "customerId", "segmentKey", true FROM added WHERE inserted`;
      return { entered, left, total: desired.customerId.length };
    },
    { timeout: 15 * 60_000, maxWait: 60_000 },
  );
}

/** One snapshot row per segment of the shop (empty segments included) for this run. */
export async function writeSnapshots(db: Db, shopId: number, runId: bigint, at: Date): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "SegmentSnapshot" ("shopId", "runId", "segmentKey", "size", "controlSize", "revenue", "avgClv", "at")
    SELECT s."shopId", ${runId}, s."key",
      COUNT(m."customerId") FILTER (WHERE NOT m."control"),
      COUNT(m."customerId") FILTER (WHERE m."control"),
      COALESCE(SUM(cs."totalSpent"), 0), AVG(cs."clv"), ${at}
    FROM "Segment" s
    LEFT JOIN "Membership" m ON m."shopId" = s."shopId" AND m."segmentKey" = s."key"
    LEFT JOIN "CustomerScore" cs ON cs."customerId" = m."customerId"
    WHERE s."shopId" = ${shopId}
    GROUP BY s."shopId", s."key"`;
}
