import type { PushedSegment } from "~/generated/prisma/client";
import type { Db } from "~/db.server";
import type { ShopSettings } from "~/settings";
import { belowMinimumSize } from "~/segmentation/segment-health";
import { PREDICTION_SEGMENT_KINDS } from "~/compute/prediction-check.server";
import { SEGMENT_CREATE, SEGMENT_DELETE, SEGMENT_UPDATE, SEGMENTS_PAGE } from "~/shopify/documents";
import type { PushContext } from "~/push/context.server";
import { appTag } from "~/push/tag-diff.server";

// One native Shopify customer segment per enabled segment, selecting its tag, so the segment
// shows in Shopify's Customers page and Shopify Email's audience picker. Renames, prefix
// changes and deletions follow; PushedSegment remembers what Shopify has, so an unchanged
// segment costs no call.

const NAME_PREFIX = "Segments · ";
const MAX_NAME_LENGTH = 255;

interface SegmentPayload {
  segment: { id: string; name: string; query: string } | null;
  userErrors: { field: string[] | null; message: string }[];
}

export function nativeSegmentName(name: string): string {
  return (NAME_PREFIX + name.trim()).slice(0, MAX_NAME_LENGTH);
}

/** Shopify's segment query for customers carrying `tag` (its syntax rejects `=`). */
export function nativeSegmentQuery(tag: string): string {
  return `customer_tags CONTAINS '${tag.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * Keys of the shop's segments below the minimum size (settings): members who would carry the
 * segment's tag (control holdouts excluded, as the Shopify segment selects the tag) against all
 * scored customers: one grouped pass over the shop's memberships (the tag diff reads them all
 * anyway) and an index-only count.
 */
export async function smallSegmentKeys(db: Db, shopId: number, settings: ShopSettings): Promise<Set<string>> {
  const [sizes, [{ customers }]] = await Promise.all([
    db.$queryRaw<{ segmentKey: string; size: bigint }[]>`
      SELECT s."key" AS "segmentKey", count(m."customerId") AS "size"
      FROM "Segment" s
      LEFT JOIN "Membership" m ON m."shopId" = s."shopId" AND m."segmentKey" = s."key" AND NOT m."control"
      WHERE s."shopId" = ${shopId}
      GROUP BY s."key"`,
    db.$queryRaw<
      { customers: bigint }[]
    >`SELECT count(*) AS "customers" FROM "CustomerScore" WHERE "shopId" = ${shopId}`,
  ]);
  return new Set(
    sizes.filter((row) => belowMinimumSize(Number(row.size), Number(customers), settings)).map((row) => row.segmentKey),
  );
}

export async function pushNativeSegments(ctx: PushContext): Promise<void> {
  const { db, shopId, settings } = ctx;
  const enabled =
    settings.pushNativeSegments && settings.pushTags
      ? await db.segment.findMany({
          where: {
            shopId,
            enabled: true,
            ...(ctx.predictionsWithheld && { kind: { notIn: [...PREDICTION_SEGMENT_KINDS] } }),
          },
          orderBy: { key: "asc" },
        })
      : [];
  // Too small to act on: no Shopify segment (one made earlier goes, as for a disabled segment),
  // unless the merchant opted in. Tags and metafields are pushed all the same.
  const small =
    settings.pushSmallSegments || enabled.length === 0
      ? new Set<string>()
      : await smallSegmentKeys(db, shopId, settings);
  const wanted = enabled.filter((segment) => !small.has(segment.key));
  ctx.counts.segmentsBelowMinimum = enabled.length - wanted.length;
  const pushed = new Map((await db.pushedSegment.findMany({ where: { shopId } })).map((p) => [p.segmentKey, p]));
  const wantedKeys = new Set(wanted.map((s) => s.key));
  const total = wanted.length + [...pushed.keys()].filter((k) => !wantedKeys.has(k)).length;
  let done = 0;
  const names = new NameBook(ctx);

  for (const segment of wanted) {
    const name = nativeSegmentName(segment.name);
    const query = nativeSegmentQuery(appTag(settings, segment.key, false));
    const current = pushed.get(segment.key);
    try {
      let saved: PushedSegment | null = current ?? null;
      if (!current || current.query !== query || !names.isOurs(current, name)) {
        const result = current ? await updateSegment(ctx, names, current, name, query) : null;
        const written = result ?? (await createSegment(ctx, names, name, query));
        saved = await db.pushedSegment.upsert({
          where: { shopId_segmentKey: { shopId, segmentKey: segment.key } },
          create: { shopId, segmentKey: segment.key, shopifyId: written.id, name: written.name, query: written.query },
          update: { shopifyId: written.id, name: written.name, query: written.query, pushedAt: new Date() },
        });
      }
      if (saved && segment.shopifySegmentId !== saved.shopifyId) {
        await db.segment.update({
          where: { shopId_id: { shopId, id: segment.id } },
          data: { shopifySegmentId: saved.shopifyId },
        });
      }
    } catch (error) {
      if (!(error instanceof SegmentRefused)) throw error;
      ctx.fail(`native segment ${segment.key}`, error.message);
    }
    await ctx.progress({ phase: "segments", done: ++done, total });
  }

  for (const stale of pushed.values()) {
    if (wantedKeys.has(stale.segmentKey)) continue;
    const { segmentDelete } = await ctx.admin.request<{ segmentDelete: { userErrors: { message: string }[] } }>(
      SEGMENT_DELETE,
      {
        id: stale.shopifyId,
      },
    );
    const error = segmentDelete.userErrors[0]?.message;
    // Already deleted in Shopify (by the merchant) is as good as deleted by us.
    if (error && !/does not exist|not found/i.test(error)) {
      ctx.fail(`deleting native segment ${stale.segmentKey}`, error);
    } else {
      await db.pushedSegment.delete({ where: { shopId_segmentKey: { shopId, segmentKey: stale.segmentKey } } });
      await db.segment.updateMany({
        where: { shopId, key: stale.segmentKey, shopifySegmentId: stale.shopifyId },
        data: { shopifySegmentId: null },
      });
      ctx.counts.segmentsDeleted++;
    }
    await ctx.progress({ phase: "segments", done: ++done, total });
  }
}

class SegmentRefused extends Error {}

interface SegmentsPage {
  segments: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { id: string; name: string; query: string }[];
  };
}

/** Updates our segment; null when the merchant deleted it in Shopify (then it is created anew). */
async function updateSegment(ctx: PushContext, names: NameBook, current: PushedSegment, name: string, query: string) {
  for (const candidate of await names.candidates(name, current.shopifyId)) {
    const { segmentUpdate } = await ctx.admin.request<{ segmentUpdate: SegmentPayload }>(SEGMENT_UPDATE, {
      id: current.shopifyId,
      name: candidate,
      query,
    });
    if (segmentUpdate.segment) {
      ctx.counts.segmentsUpdated++;
      return segmentUpdate.segment;
    }
    const error = segmentUpdate.userErrors[0]?.message ?? "segment not updated";
    if (/does not exist|not found/i.test(error)) return null;
    if (!isNameTaken(segmentUpdate)) throw new SegmentRefused(error);
    names.taken(candidate);
  }
  throw new SegmentRefused(`no free name for "${name}"`);
}

async function createSegment(ctx: PushContext, names: NameBook, name: string, query: string) {
  for (const candidate of await names.candidates(name, null)) {
    const { segmentCreate } = await ctx.admin.request<{ segmentCreate: SegmentPayload }>(SEGMENT_CREATE, {
      name: candidate,
      query,
    });
    if (segmentCreate.segment) {
      ctx.counts.segmentsCreated++;
      return segmentCreate.segment;
    }
    if (!isNameTaken(segmentCreate))
      throw new SegmentRefused(segmentCreate.userErrors[0]?.message ?? "segment not created");
    // Ours from a push that stopped before recording it? Then adopt it rather than duplicate it.
    const existing = await names.find(candidate);
    if (existing && existing.query === query) return existing;
    names.taken(candidate);
  }
  throw new SegmentRefused(`no free name for "${name}"`);
}

function isNameTaken(payload: SegmentPayload): boolean {
  return payload.userErrors.some((e) => e.field?.includes("name") && /taken|exists/i.test(e.message));
}

/**
 * Segment names are unique per shop (case-insensitively), and the merchant may already use ours.
 * The shop's segment list is fetched only after a conflict; then "Name (2)", "Name (3)" … are tried.
 */
class NameBook {
  private known: Map<string, { id: string; name: string; query: string }> | null = null;

  constructor(private readonly ctx: PushContext) {}

  isOurs(current: PushedSegment, name: string): boolean {
    return current.name === name || current.name.startsWith(`${name} (`);
  }

  async candidates(name: string, selfId: string | null): Promise<string[]> {
    const all = [name, ...Array.from({ length: 9 }, (_, i) => suffixed(name, i + 2))];
    if (!this.known) return all;
    return all.filter((n) => {
      const holder = this.known!.get(n.toLowerCase());
      return !holder || holder.id === selfId;
    });
  }

  async find(name: string) {
    await this.load();
    return this.known!.get(name.toLowerCase()) ?? null;
  }

  taken(name: string) {
    this.known?.set(name.toLowerCase(), this.known.get(name.toLowerCase()) ?? { id: "", name, query: "" });
  }

  private async load() {
    if (this.known) return;
    const known = new Map<string, { id: string; name: string; query: string }>();
    let after: string | null = null;
    do {
      const page: SegmentsPage = await this.ctx.admin.request<SegmentsPage>(SEGMENTS_PAGE, { after });
      const { segments } = page;
      for (const node of segments.nodes) known.set(node.name.toLowerCase(), node);
      after = segments.pageInfo.hasNextPage ? segments.pageInfo.endCursor : null;
    } while (after);
    this.known = known;
  }
}

function suffixed(name: string, n: number): string {
  const suffix = ` (${n})`;
  return name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}
