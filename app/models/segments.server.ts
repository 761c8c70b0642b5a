import { appNow } from "~/clock.server";
import type { Prisma } from "~/generated/prisma/client";
import type { SegmentKind } from "~/generated/prisma/client";
import type { ShopSettings } from "~/settings";
import { describeRule, ruleOf, ruleProblem, validateRule, type Rule } from "~/segmentation/rules";
import { db, notFound, type ShopContext } from "./shop.server";

// Segment list and detail for the admin. Sizes and revenue come from the newest snapshot the
// compute job wrote (one row per segment and run), so these pages never scan memberships.

/** Upper bound on segments one shop can have (engine segments + merchant rules). */
export const MAX_SEGMENTS = 250;

export interface SegmentRow {
  key: string;
  kind: SegmentKind;
  name: string;
  description: string | null;
  enabled: boolean;
  tag: string;
  shopifySegmentId: string | null;
  size: number;
  controlSize: number;
  revenue: number;
  avgClv: number | null;
  /** Size at the newest snapshot at least a week old (null when none is that old). */
  sizeWeekAgo: number | null;
  snapshotAt: string | null;
}

/** The customer tag the push job writes for a segment. */
export function segmentTag(settings: ShopSettings, key: string): string {
  return `${settings.tagPrefix}${key}`;
}

interface SnapshotRow {
  segmentKey: string;
  size: number;
  controlSize: number;
  revenue: Prisma.Decimal;
  avgClv: number | null;
  at: Date;
}

async function latestSnapshots(shopId: number, keys: string[], before?: Date): Promise<Map<string, SnapshotRow>> {
  if (keys.length === 0) return new Map();
  const rows = await db.$queryRaw<SnapshotRow[]>`
    SELECT DISTINCT ON ("segmentKey") "segmentKey", "size", "controlSize", "revenue", "avgClv", "at"
    FROM "SegmentSnapshot"
    WHERE "shopId" = ${shopId} AND "segmentKey" = ANY(${keys}::text[])
      AND (${before ?? null}::timestamp IS NULL OR "at" <= ${before ?? null}::timestamp)
    ORDER BY "segmentKey", "at" DESC`;
  return new Map(rows.map((row) => [row.segmentKey, row]));
}

const WEEK_MS = 7 * 86_400_000;

export async function listSegments(shop: ShopContext, now = appNow()): Promise<SegmentRow[]> {
  const segments = await db.segment.findMany({
    where: { shopId: shop.id },
    orderBy: [{ kind: "asc" }, { key: "asc" }],
    take: MAX_SEGMENTS,
  });
  const keys = segments.map((s) => s.key);
  const [latest, weekAgo] = await Promise.all([
    latestSnapshots(shop.id, keys),
    latestSnapshots(shop.id, keys, new Date(now.getTime() - WEEK_MS)),
  ]);
  return segments.map((segment) => {
    const snapshot = latest.get(segment.key);
    return {
      key: segment.key,
      kind: segment.kind,
      name: segment.name,
      description: segment.description,
      enabled: segment.enabled,
      tag: segmentTag(shop.settings, segment.key),
      shopifySegmentId: segment.shopifySegmentId,
      size: snapshot?.size ?? 0,
      controlSize: snapshot?.controlSize ?? 0,
      revenue: snapshot ? Number(snapshot.revenue) : 0,
      avgClv: snapshot?.avgClv ?? null,
      sizeWeekAgo: weekAgo.get(segment.key)?.size ?? null,
      snapshotAt: snapshot?.at.toISOString() ?? null,
    };
  });
}

export async function findSegment(shop: ShopContext, key: string) {
  const segment = await db.segment.findUnique({ where: { shopId_key: { shopId: shop.id, key } } });
  if (!segment) throw notFound("Segment not found");
  return segment;
}

/** A rule segment's rule in plain words (null for engine segments or an unreadable rule). */
export function ruleText(kind: SegmentKind, definition: unknown): string | null {
  const rule = ruleOf(definition);
  if (kind !== "RULE" || validateRule(rule).length > 0) return null;
  return describeRule(rule as Rule);
}

export async function segmentSummary(shop: ShopContext, key: string, now = appNow()): Promise<SegmentRow & { ruleText: string | null; ruleError: string | null }> {
  const segment = await findSegment(shop, key);
  const [latest, weekAgo] = await Promise.all([
    latestSnapshots(shop.id, [key]),
    latestSnapshots(shop.id, [key], new Date(now.getTime() - WEEK_MS)),
  ]);
  const snapshot = latest.get(key);
  return {
    key,
    kind: segment.kind,
    name: segment.name,
    description: segment.description,
    enabled: segment.enabled,
    tag: segmentTag(shop.settings, key),
    shopifySegmentId: segment.shopifySegmentId,
    size: snapshot?.size ?? 0,
    controlSize: snapshot?.controlSize ?? 0,
    revenue: snapshot ? Number(snapshot.revenue) : 0,
    avgClv: snapshot?.avgClv ?? null,
    sizeWeekAgo: weekAgo.get(key)?.size ?? null,
    snapshotAt: snapshot?.at.toISOString() ?? null,
    ruleText: ruleText(segment.kind, segment.definition),
    ruleError: segment.kind === "RULE" ? ruleProblem(segment.definition) : null,
  };
}

export async function setSegmentEnabled(shop: ShopContext, key: string, enabled: boolean): Promise<void> {
  const { count } = await db.segment.updateMany({ where: { shopId: shop.id, key }, data: { enabled } });
  if (count === 0) throw notFound("Segment not found");
}

export interface SizePoint {
  at: string;
  size: number;
}

/** Size of each segment per run over the last `days` days (bounded: segments × runs). */
export async function sizeHistory(shopId: number, keys: string[], days = 90, now = appNow()): Promise<Record<string, SizePoint[]>> {
  if (keys.length === 0) return {};
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = await db.segmentSnapshot.findMany({
    where: { shopId, segmentKey: { in: keys }, at: { gte: since } },
    select: { segmentKey: true, size: true, at: true },
    orderBy: { at: "asc" },
    take: keys.length * 400,
  });
  const history: Record<string, SizePoint[]> = {};
  for (const row of rows) (history[row.segmentKey] ??= []).push({ at: row.at.toISOString(), size: row.size });
  return history;
}
