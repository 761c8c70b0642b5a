import type { Db } from "~/db.server";
import type { ShopSettings } from "~/settings";
import { PREDICTION_SEGMENT_KINDS } from "~/compute/prediction-check.server";

// What each customer's app tags should be (one per membership of an enabled segment, control
// holdouts under their own prefix) against what we last pushed (PushedTag): the difference is
// all a push sends. Merchant tags never enter the comparison, so they are never touched.

/** Shopify's limits on customer tags. */
const MAX_TAGS_PER_CUSTOMER = 250;
export const MAX_TAG_LENGTH = 255;

export interface TagChange {
  customerId: bigint;
  shopifyId: bigint;
  add: string[];
  remove: string[];
}

export interface TagDiff {
  changes: TagChange[];
  /** Tags left out because they are too long or the customer has no room left. */
  skipped: number;
}

interface DiffRow {
  customerId: bigint;
  shopifyId: bigint;
  add: string[] | null;
  remove: string[] | null;
  merchantTags: number;
  pushed: number;
}

export function appTag(
  settings: Pick<ShopSettings, "tagPrefix" | "controlTagPrefix">,
  segmentKey: string,
  control: boolean,
): string {
  return (control ? settings.controlTagPrefix : settings.tagPrefix) + segmentKey;
}

export async function diffTags(
  db: Db,
  shopId: number,
  settings: ShopSettings,
  predictionsWithheld = false,
): Promise<TagDiff> {
  // Deleted customers cannot be tagged; forget what they carried.
  await db.$executeRaw`
    DELETE FROM "PushedTag" p USING "Customer" c
    WHERE p."shopId" = ${shopId} AND c."shopId" = p."shopId" AND c.id = p."customerId" AND c."deletedAt" IS NOT NULL`;

  // With tag pushes switched off the desired set is empty: our tags are taken back off. So are
  // the predictive segments' tags while the shop's predictions are withheld.
  const rows = await db.$queryRaw<DiffRow[]>`
    WITH desired AS (
      SELECT m."customerId",
             CASE WHEN m.control THEN ${settings.controlTagPrefix} ELSE ${settings.tagPrefix} END || m."segmentKey" AS tag
      FROM "Membership" m
      JOIN "Customer" c ON c."shopId" = m."shopId" AND c.id = m."customerId" AND c."deletedAt" IS NULL
      LEFT JOIN "Segment" s ON s."shopId" = m."shopId" AND s.key = m."segmentKey"
      WHERE m."shopId" = ${shopId} AND COALESCE(s.enabled, true) AND ${settings.pushTags}
        AND NOT (${predictionsWithheld} AND COALESCE(s.kind::text = ANY(${PREDICTION_SEGMENT_KINDS}::text[]), false))
    ),
    pushed AS (SELECT "customerId", tag FROM "PushedTag" WHERE "shopId" = ${shopId}),
    delta AS (
      SELECT "customerId", tag, true AS adding FROM (SELECT * FROM desired EXCEPT SELECT * FROM pushed) a
      UNION ALL
      SELECT "customerId", tag, false AS adding FROM (SELECT * FROM pushed EXCEPT SELECT * FROM desired) r
    )
    SELECT c.id AS "customerId", c."shopifyId",
           array_agg(d.tag ORDER BY d.tag) FILTER (WHERE d.adding) AS add,
           array_agg(d.tag ORDER BY d.tag) FILTER (WHERE NOT d.adding) AS remove,
           COALESCE(cardinality(c.tags), 0) AS "merchantTags",
           (SELECT COUNT(*)::int FROM "PushedTag" p WHERE p."shopId" = c."shopId" AND p."customerId" = c.id) AS pushed
    FROM delta d JOIN "Customer" c ON c."shopId" = ${shopId} AND c.id = d."customerId"
    GROUP BY c."shopId", c.id
    ORDER BY c.id`;

  let skipped = 0;
  const changes: TagChange[] = [];
  for (const row of rows) {
    const remove = row.remove ?? [];
    let add = (row.add ?? []).filter((tag) => tag.length <= MAX_TAG_LENGTH);
    skipped += (row.add?.length ?? 0) - add.length;
    const room = MAX_TAGS_PER_CUSTOMER - row.merchantTags - (row.pushed - remove.length);
    if (add.length > room) {
      skipped += add.length - Math.max(0, room);
      add = add.slice(0, Math.max(0, room));
    }
    if (add.length || remove.length)
      changes.push({ customerId: row.customerId, shopifyId: row.shopifyId, add, remove });
  }
  return { changes, skipped };
}

/** Records tags Shopify confirmed: removed ones forgotten, added ones remembered. */
export async function recordPushedTags(
  db: Db,
  shopId: number,
  removed: { customerIds: bigint[]; tags: string[] },
  added: { customerIds: bigint[]; tags: string[] },
) {
  if (removed.customerIds.length) {
    await db.$executeRaw`
      DELETE FROM "PushedTag" p
      USING unnest(${removed.customerIds.map(String)}::bigint[], ${removed.tags}::text[]) AS r("customerId", tag)
      WHERE p."shopId" = ${shopId} AND p."customerId" = r."customerId" AND p.tag = r.tag`;
  }
  if (added.customerIds.length) {
    await db.$executeRaw`
      INSERT INTO "PushedTag" ("shopId", "customerId", tag)
      SELECT ${shopId}, a."customerId", a.tag FROM unnest(${added.customerIds.map(String)}::bigint[], ${added.tags}::text[]) AS a("customerId", tag)
      ON CONFLICT DO NOTHING`;
  }
}
