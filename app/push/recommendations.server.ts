import { METAOBJECT_DELETE, METAOBJECT_UPSERT } from "~/shopify/documents";
import { PREDICTION_SEGMENT_KINDS } from "~/compute/prediction-check.server";
import type { PushContext } from "~/push/context.server";
import { segmentToken } from "~/push/storefront.server";

// The storefront's "recommended for you" block reads one `$app:segment_recommendations`
// metaobject per segment: the products its members buy most, counted by distinct buyers. The
// handle is the segment's storefront token and nothing in it names the segment (metaobjects are
// public on the storefront). Upserted only when the list or handle changed; deleted when the
// segment goes.

export const RECOMMENDATIONS_TYPE = "$app:segment_recommendations";

/** Top products per enabled segment from its (non-control) members' valid orders, best first. */
async function topProductsBySegment(
  ctx: Pick<PushContext, "db" | "shopId" | "predictionsWithheld">,
  limit: number,
): Promise<Map<string, string[]>> {
  const rows = await ctx.db.$queryRaw<{ key: string; products: string[] }[]>`
    WITH bought AS (
      SELECT m."segmentKey" AS key, item->>'productId' AS product,
             COUNT(DISTINCT m."customerId") AS buyers,
             SUM(COALESCE((item->>'quantity')::numeric, 1)) AS units
      FROM "Membership" m
      JOIN "Segment" s ON s."shopId" = m."shopId" AND s.key = m."segmentKey" AND s.enabled
        AND NOT (${ctx.predictionsWithheld} AND s.kind::text = ANY(${PREDICTION_SEGMENT_KINDS}::text[]))
      JOIN "Customer" c ON c."shopId" = m."shopId" AND c.id = m."customerId"
      JOIN "Order" o ON o."shopId" = m."shopId" AND o."customerShopifyId" = c."shopifyId"
      CROSS JOIN LATERAL jsonb_array_elements(o."lineItems") AS item
      WHERE m."shopId" = ${ctx.shopId} AND NOT m.control
        AND NOT o.test AND o."cancelledAt" IS NULL AND o."deletedAt" IS NULL
        AND item->>'productId' IS NOT NULL
      GROUP BY 1, 2
    ),
    ranked AS (
      SELECT key, product, ROW_NUMBER() OVER (PARTITION BY key ORDER BY buyers DESC, units DESC, product) AS rank
      FROM bought
    )
    SELECT key, array_agg(product ORDER BY rank) AS products
    FROM ranked WHERE rank <= ${limit}
    GROUP BY key`;
  return new Map(rows.map((r) => [r.key, r.products]));
}

export async function pushRecommendations(ctx: PushContext): Promise<void> {
  const { db, shopId } = ctx;
  // The recommendations block's data: a plan without the storefront blocks deletes them.
  const wanted =
    ctx.settings.pushMetafields && ctx.features.storefrontBlocks
      ? await topProductsBySegment(ctx, ctx.tuning.recommendedProducts)
      : new Map<string, string[]>();
  const pushed = await db.pushedRecommendation.findMany({ where: { shopId } });
  const pushedByKey = new Map(pushed.map((p) => [p.segmentKey, p]));
  const stale = pushed.filter((p) => !wanted.has(p.segmentKey));
  const handleOf = (key: string) => segmentToken(ctx.storefrontKey, key);
  const changed = [...wanted].filter(([key, products]) => {
    const current = pushedByKey.get(key);
    return !current || current.handle !== handleOf(key) || !sameList(current.products, products);
  });
  const total = changed.length + stale.length;
  let done = 0;

  for (const [key, products] of changed) {
    const handle = handleOf(key);
    const { metaobjectUpsert } = await ctx.admin.request<{
      metaobjectUpsert: { metaobject: { id: string } | null; userErrors: { message: string }[] };
    }>(METAOBJECT_UPSERT, {
      handle: { type: RECOMMENDATIONS_TYPE, handle },
      metaobject: {
        fields: [{ key: "products", value: JSON.stringify(products.map((id) => `gid://shopify/Product/${id}`)) }],
      },
    });
    if (metaobjectUpsert.metaobject) {
      const shopifyId = metaobjectUpsert.metaobject.id;
      // A new handle made a new entry (an entry handled by key, from before tokens): drop the old one.
      const previous = pushedByKey.get(key);
      if (!previous || previous.shopifyId === shopifyId || (await deleteMetaobject(ctx, previous.shopifyId, key))) {
        await db.pushedRecommendation.upsert({
          where: { shopId_segmentKey: { shopId, segmentKey: key } },
          create: { shopId, segmentKey: key, shopifyId, handle, products },
          update: { shopifyId, handle, products, pushedAt: new Date() },
        });
        ctx.counts.recommendationsUpserted++;
      }
    } else {
      ctx.fail(`recommendations for ${key}`, metaobjectUpsert.userErrors[0]?.message ?? "not saved");
    }
    await ctx.progress({ phase: "recommendations", done: ++done, total });
  }

  for (const entry of stale) {
    if (await deleteMetaobject(ctx, entry.shopifyId, entry.segmentKey)) {
      await db.pushedRecommendation.delete({ where: { shopId_segmentKey: { shopId, segmentKey: entry.segmentKey } } });
    }
    await ctx.progress({ phase: "recommendations", done: ++done, total });
  }
}

/** True when the metaobject is gone (already gone counts); a refusal is counted as an error. */
async function deleteMetaobject(ctx: PushContext, id: string, segmentKey: string): Promise<boolean> {
  const { metaobjectDelete } = await ctx.admin.request<{ metaobjectDelete: { userErrors: { message: string }[] } }>(
    METAOBJECT_DELETE,
    { id },
  );
  const error = metaobjectDelete.userErrors[0]?.message;
  if (error && !/does not exist|not found/i.test(error)) {
    ctx.fail(`deleting recommendations for ${segmentKey}`, error);
    return false;
  }
  ctx.counts.recommendationsDeleted++;
  return true;
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}
