import { appNow } from "~/clock.server";
import type { Prisma } from "~/generated/prisma/client";
import type { SegmentKind } from "~/generated/prisma/client";
import type { ShopSettings } from "~/settings";
import { minimumSegmentSize } from "~/segmentation/segment-health";
import { describeRule, ruleOf, ruleProblem, validateRule, type Rule } from "~/segmentation/rules";
import { jobDataDb } from "./job-data-db.server";
import { db, notFound, type ShopContext } from "./admin-shop.server";

// Segment list and detail for the admin. Sizes and revenue come from the newest snapshot the
// compute job wrote (one row per segment and run), so these pages never scan memberships.

/** Upper bound on segments one shop can have (engine segments + merchant rules). */
const MAX_SEGMENTS = 250;

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
  /** Below the shop's minimum segment size (settings): flagged, and no Shopify segment unless opted in. */
  belowMinimum: boolean;
  /** Members (holdouts not counted) subscribed to email / SMS marketing at the last compute; null before it was measured. */
  emailReachable: number | null;
  smsReachable: number | null;
}

export interface MinimumSizeView {
  /** Scored customers, of which the minimum's share is taken. */
  customers: number;
  minimumSize: number;
  /** The merchant lets small segments have a Shopify segment anyway. */
  pushSmallSegments: boolean;
}

/** The shop's minimum segment size now (from its scored customers and settings). */
export async function minimumSizeOf(shop: ShopContext): Promise<MinimumSizeView> {
  const [{ customers }] = await jobDataDb().$queryRaw<{ customers: bigint }[]>`
    SELECT count(*) AS "customers" FROM "CustomerScore" WHERE "shopId" = ${shop.id}`;
  return {
    customers: Number(customers),
    minimumSize: minimumSegmentSize(Number(customers), shop.settings),
    pushSmallSegments: shop.settings.pushSmallSegments,
  };
}

/** The customer tag the push job writes for a segment. */
function segmentTag(settings: ShopSettings, key: string): string {
  return `${settings.tagPrefix}${key}`;
}

interface SnapshotRow {
  segmentKey: string;
  size: number;
  controlSize: number;
  revenue: Prisma.Decimal;
  avgClv: number | null;
  emailReachable: number | null;
  smsReachable: number | null;
  at: Date;
}

async function latestSnapshots(shopId: number, keys: string[], before?: Date): Promise<Map<string, SnapshotRow>> {
  if (keys.length === 0) return new Map();
  const rows = await jobDataDb().$queryRaw<SnapshotRow[]>`
    SELECT DISTINCT ON ("segmentKey") "segmentKey", "size", "controlSize", "revenue", "avgClv", "emailReachable",
      "smsReachable", "at"
    FROM "SegmentSnapshot"
    WHERE "shopId" = ${shopId} AND "segmentKey" = ANY(${keys}::text[])
      AND (${before ?? null}::timestamp IS NULL OR "at" <= ${before ?? null}::timestamp)
    ORDER BY "segmentKey", "at" DESC`;
  return new Map(rows.map((row) => [row.segmentKey, row]));
}

const WEEK_MS = 7 * 86_400_000;

export async function listSegments(
  shop: ShopContext,
  now = appNow(),
  minimum?: Promise<MinimumSizeView>,
): Promise<SegmentRow[]> {
  const segments = await db.segment.findMany({
    where: { shopId: shop.id },
    orderBy: [{ kind: "asc" }, { key: "asc" }],
    take: MAX_SEGMENTS,
  });
  const keys = segments.map((s) => s.key);
  const [latest, weekAgo, { minimumSize }] = await Promise.all([
    latestSnapshots(shop.id, keys),
    latestSnapshots(shop.id, keys, new Date(now.getTime() - WEEK_MS)),
    minimum ?? minimumSizeOf(shop),
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
      belowMinimum: (snapshot?.size ?? 0) < minimumSize,
      emailReachable: snapshot?.emailReachable ?? null,
      smsReachable: snapshot?.smsReachable ?? null,
    };
  });
}

export interface ReachRow {
  key: string;
  name: string;
  kind: SegmentKind;
  /** Members carrying the tag (control holdouts not counted), at the last compute. */
  size: number;
  emailReachable: number | null;
  smsReachable: number | null;
}

/**
 * The reachable audience of every enabled segment (Results page): of the members a campaign on
 * the segment's tag targets, how many are subscribed to email and to SMS marketing, as the last
 * compute's snapshot counted them; largest email audience first.
 */
export async function reachableAudience(shop: ShopContext): Promise<ReachRow[]> {
  const segments = await db.segment.findMany({
    where: { shopId: shop.id, enabled: true },
    select: { key: true, name: true, kind: true },
    take: MAX_SEGMENTS,
  });
  const latest = await latestSnapshots(
    shop.id,
    segments.map((s) => s.key),
  );
  return segments
    .map((s) => {
      const snapshot = latest.get(s.key);
      return {
        ...s,
        size: snapshot?.size ?? 0,
        emailReachable: snapshot?.emailReachable ?? null,
        smsReachable: snapshot?.smsReachable ?? null,
      };
    })
    .sort((a, b) => (b.emailReachable ?? -1) - (a.emailReachable ?? -1) || a.key.localeCompare(b.key));
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

export async function segmentSummary(
  shop: ShopContext,
  key: string,
  now = appNow(),
): Promise<
  SegmentRow & {
    ruleText: string | null;
    ruleError: string | null;
    minimumSize: number;
    pushSmallSegments: boolean;
    flowTriggers: boolean;
  }
> {
  const segment = await findSegment(shop, key);
  const [latest, weekAgo, minimum] = await Promise.all([
    latestSnapshots(shop.id, [key]),
    latestSnapshots(shop.id, [key], new Date(now.getTime() - WEEK_MS)),
    minimumSizeOf(shop),
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
    belowMinimum: (snapshot?.size ?? 0) < minimum.minimumSize,
    emailReachable: snapshot?.emailReachable ?? null,
    smsReachable: snapshot?.smsReachable ?? null,
    minimumSize: minimum.minimumSize,
    pushSmallSegments: minimum.pushSmallSegments,
    ruleText: ruleText(segment.kind, segment.definition),
    ruleError: segment.kind === "RULE" ? ruleProblem(segment.definition) : null,
    flowTriggers: segment.flowTriggersAfterEventId !== null,
  };
}

export async function setSegmentEnabled(shop: ShopContext, key: string, enabled: boolean): Promise<void> {
  const { count } = await db.segment.updateMany({ where: { shopId: shop.id, key }, data: { enabled } });
  if (count === 0) throw notFound("Segment not found");
}

/**
 * Turns the segment's Flow triggers on or off. On, they fire for moves recorded from now on:
 * the switch remembers the shop's newest membership event, so no back-log of old moves fires.
 * Turning it on again when it is on keeps the first switch-on.
 */
export async function setSegmentFlowTriggers(shop: ShopContext, key: string, on: boolean): Promise<void> {
  const count = on
    ? await db.$executeRaw`
        UPDATE "Segment" SET "flowTriggersAfterEventId" = COALESCE("flowTriggersAfterEventId",
          (SELECT COALESCE(MAX(id), 0) FROM "MembershipEvent" WHERE "shopId" = ${shop.id})), "updatedAt" = now()
        WHERE "shopId" = ${shop.id} AND key = ${key}`
    : (await db.segment.updateMany({ where: { shopId: shop.id, key }, data: { flowTriggersAfterEventId: null } }))
        .count;
  if (count === 0) throw notFound("Segment not found");
}

export interface SizePoint {
  at: string;
  size: number;
}

/** Size of each segment per run over the last `days` days (bounded: segments × runs). */
export async function sizeHistory(
  shopId: number,
  keys: string[],
  days = 90,
  now = appNow(),
): Promise<Record<string, SizePoint[]>> {
  if (keys.length === 0) return {};
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = await jobDataDb().segmentSnapshot.findMany({
    where: { shopId, segmentKey: { in: keys }, at: { gte: since } },
    select: { segmentKey: true, size: true, at: true },
    orderBy: { at: "asc" },
    take: keys.length * 400,
  });
  const history: Record<string, SizePoint[]> = {};
  for (const row of rows) (history[row.segmentKey] ??= []).push({ at: row.at.toISOString(), size: row.size });
  return history;
}
