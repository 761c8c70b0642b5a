import type { Db } from "~/db.server";
import type { Prisma, SegmentKind } from "~/generated/prisma/client";
import type { FitWarning } from "~/segmentation/fit-diagnostics";
import type { LiveModel } from "~/segmentation/live-model";
import type { PredictionCheck } from "~/segmentation/prediction-check";

// Each compute's prediction check, stored per run, and the one decision the rest of the app
// reads from it: whether the shop's predictions are withheld from Shopify.
//
// Withheld (the newest check says the history is insufficient): the predictive segments keep
// their members in the admin, marked "not enough data yet", but the push sends none of their
// tags, native segments, storefront tokens or recommendations, and no P(alive) / CLV /
// next-order metafields; what an earlier push sent is taken back off. RFM, lifecycle, cluster
// and rule segments are pushed as always. A shop without any stored check (computed before
// checks existed) is not withheld until its next compute stores one.

/** Segment kinds whose labels are predictions and are withheld with them. */
export const PREDICTION_SEGMENT_KINDS: readonly SegmentKind[] = ["PREDICTIVE"];

/** What a run stores: the check plus the live fit's warnings and what the live scores use (absent in older checks). */
export interface StoredPredictionCheck extends PredictionCheck {
  fitWarnings: FitWarning[];
  live?: LiveModel | null;
}

export async function storePredictionCheck(
  db: Db,
  shopId: number,
  runId: bigint,
  asOf: Date,
  check: StoredPredictionCheck,
): Promise<void> {
  const result = JSON.parse(JSON.stringify(check)) as Prisma.InputJsonObject;
  const data = { shopId, asOf, horizonDays: check.horizonDays, sufficient: check.sufficiency.sufficient, result };
  await db.predictionCheck.upsert({
    where: { shopId_runId: { shopId, runId } },
    create: { runId, ...data },
    update: data,
  });
}

export async function latestPredictionCheck(
  db: Db,
  shopId: number,
): Promise<(StoredPredictionCheck & { runId: bigint }) | null> {
  const row = await db.predictionCheck.findFirst({ where: { shopId }, orderBy: { id: "desc" } });
  return row ? { ...(row.result as unknown as StoredPredictionCheck), runId: row.runId } : null;
}

export async function predictionsWithheld(db: Db, shopId: number): Promise<boolean> {
  const row = await db.predictionCheck.findFirst({
    where: { shopId },
    orderBy: { id: "desc" },
    select: { sufficient: true },
  });
  return row ? !row.sufficient : false;
}
