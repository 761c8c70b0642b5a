import { appNow } from "~/clock.server";
import type { RunKind } from "~/generated/prisma/client";
import { CLV_BUCKETS } from "./clv-buckets";
import { listSegments, sizeHistory } from "./segments.server";
import { jobDataDb } from "./job-data-db.server";
import type { ShopContext } from "./admin-shop.server";
import { predictionQuality } from "./predictions.server";
import { segmentSizeShifts } from "./size-shifts.server";

// Everything the overview page shows, aggregated in SQL (GROUP BY), never over rows in JS.

export interface RunStatusView {
  kind: RunKind;
  status: string;
  progressDone: number;
  progressTotal: number | null;
  error: string | null;
  at: string;
  finishedAt: string | null;
}

async function latestRuns(shopId: number): Promise<Partial<Record<RunKind, RunStatusView>>> {
  const rows = await jobDataDb().$queryRaw<
    {
      kind: RunKind;
      status: string;
      progressDone: number;
      progressTotal: number | null;
      error: string | null;
      createdAt: Date;
      finishedAt: Date | null;
    }[]
  >`
    SELECT DISTINCT ON ("kind") "kind", "status"::text AS "status", "progressDone", "progressTotal", "error", "createdAt", "finishedAt"
    FROM "Run" WHERE "shopId" = ${shopId}
    ORDER BY "kind", "createdAt" DESC`;
  const runs: Partial<Record<RunKind, RunStatusView>> = {};
  for (const row of rows) {
    runs[row.kind] = {
      kind: row.kind,
      status: row.status,
      progressDone: row.progressDone,
      progressTotal: row.progressTotal,
      error: row.error,
      at: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
    };
  }
  return runs;
}

export async function rfmGrid(shopId: number): Promise<{ r: number; fm: number; customers: number }[]> {
  const rows = await jobDataDb().$queryRaw<{ r: number; fm: number; customers: bigint }[]>`
    SELECT "r", ceil(("f" + "m") / 2.0)::int AS "fm", count(*) AS "customers"
    FROM "CustomerScore" WHERE "shopId" = ${shopId}
    GROUP BY 1, 2`;
  return rows.map((row) => ({ r: row.r, fm: row.fm, customers: Number(row.customers) }));
}

export async function clvDistribution(shopId: number): Promise<{ upTo: number | null; customers: number }[]> {
  const edges = [...CLV_BUCKETS];
  const rows = await jobDataDb().$queryRaw<{ bucket: number; customers: bigint }[]>`
    SELECT width_bucket("clv", ${edges}::float8[]) AS "bucket", count(*) AS "customers"
    FROM "CustomerScore" WHERE "shopId" = ${shopId} AND "clv" IS NOT NULL
    GROUP BY 1`;
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const row of rows) counts[row.bucket] = Number(row.customers);
  return counts.map((customers, i) => ({ upTo: i < edges.length ? edges[i] : null, customers }));
}

export async function shopOverview(shop: ShopContext, now = appNow()) {
  const [totalsRows, customerCount, runs, segments, predictions, sizeShifts] = await Promise.all([
    jobDataDb().$queryRaw<{ scored: bigint; revenue: number | null }[]>`
      SELECT count(*) AS "scored", sum("totalSpent")::float8 AS "revenue" FROM "CustomerScore" WHERE "shopId" = ${shop.id}`,
    jobDataDb().customer.count({ where: { shopId: shop.id, deletedAt: null } }),
    latestRuns(shop.id),
    listSegments(shop, now),
    predictionQuality(shop),
    segmentSizeShifts(shop),
  ]);
  const scored = Number(totalsRows[0]?.scored ?? 0);
  const revenue = totalsRows[0]?.revenue ?? 0;
  const hasResults = scored > 0 && segments.some((s) => s.snapshotAt);
  // Charts only once there is something to chart; the RFM trend shows the named RFM segments.
  const [grid, clv, history] = hasResults
    ? await Promise.all([
        rfmGrid(shop.id),
        clvDistribution(shop.id),
        sizeHistory(
          shop.id,
          segments.filter((s) => s.kind === "RFM").map((s) => s.key),
          90,
          now,
        ),
      ])
    : [[], [], {} as Awaited<ReturnType<typeof sizeHistory>>];
  return {
    customerCount,
    scored,
    revenue,
    runs,
    segments,
    hasResults,
    predictions,
    sizeShifts,
    rfmGrid: grid,
    clvDistribution: clv,
    sizeHistory: history,
  };
}
