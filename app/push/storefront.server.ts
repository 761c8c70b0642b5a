import { createHmac, randomBytes } from "node:crypto";
import type { Db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { CURRENT_APP_INSTALLATION, METAFIELDS_DELETE, METAFIELDS_SET } from "~/shopify/documents";
import type { PushContext } from "~/push/context.server";

// What the storefront may see of a customer's segments. A logged-in customer can read whatever
// the theme can (Liquid, the Storefront API), so the blocks get opaque tokens instead of segment
// keys: token = hex HMAC-SHA256(shop secret, key). The secret travels in an app-data metafield on
// the app's installation, which only this app and its theme extension's Liquid (`app.metafields`)
// can read; the blocks hash the keys the merchant typed with it (Liquid's `hmac_sha256`) and
// compare. The same metafields carry the tag prefixes, so the tag fallback and the control-group
// check in Liquid follow Settings.

const STOREFRONT_NAMESPACE = "segments";

export interface StorefrontConfig {
  storefront_key: string;
  tag_prefix: string;
  control_tag_prefix: string;
}

/** The token the storefront sees for a segment key; `segment-tokens.liquid` computes the same. */
export function segmentToken(secret: string, key: string): string {
  return createHmac("sha256", secret).update(key).digest("hex");
}

/** The shop's storefront secret, made once (concurrent pushes agree on the first one written). */
export async function storefrontKey(db: Db, shopId: number): Promise<string> {
  const candidate = randomBytes(32).toString("hex");
  const [row] = await db.$queryRaw<{ key: string }[]>`
    UPDATE "Shop" SET "storefrontKey" = COALESCE("storefrontKey", ${candidate}) WHERE id = ${shopId} RETURNING "storefrontKey" AS key`;
  return row.key;
}

/**
 * Sends the blocks' config to the app's installation when it differs from what it carries. A plan
 * without the storefront blocks takes it back instead: without the secret the blocks match no
 * segment and show their fallback (segment-tokens.liquid), whatever tags or metafields remain.
 */
export async function pushStorefrontConfig(ctx: PushContext): Promise<void> {
  if (!ctx.features.storefrontBlocks) return removeStorefrontConfig(ctx);
  const wanted: StorefrontConfig = {
    storefront_key: ctx.storefrontKey,
    tag_prefix: ctx.settings.tagPrefix,
    control_tag_prefix: ctx.settings.controlTagPrefix,
  };
  const shop = await ctx.db.shop.findUniqueOrThrow({ where: { id: ctx.shopId }, select: { storefrontPushed: true } });
  if (sameConfig(shop.storefrontPushed, wanted)) return;
  const { currentAppInstallation } = await ctx.admin.request<{ currentAppInstallation: { id: string } }>(
    CURRENT_APP_INSTALLATION,
  );
  const { metafieldsSet } = await ctx.admin.request<{ metafieldsSet: { userErrors: { message: string }[] } }>(
    METAFIELDS_SET,
    {
      metafields: Object.entries(wanted).map(([key, value]) => ({
        ownerId: currentAppInstallation.id,
        namespace: STOREFRONT_NAMESPACE,
        key,
        type: "single_line_text_field",
        value,
      })),
    },
  );
  const error = metafieldsSet.userErrors[0]?.message;
  if (error) {
    ctx.fail("storefront config", error);
    return;
  }
  await ctx.db.shop.update({ where: { id: ctx.shopId }, data: { storefrontPushed: { ...wanted } } });
}

async function removeStorefrontConfig(ctx: PushContext): Promise<void> {
  const shop = await ctx.db.shop.findUniqueOrThrow({ where: { id: ctx.shopId }, select: { storefrontPushed: true } });
  if (!shop.storefrontPushed) return;
  const { currentAppInstallation } = await ctx.admin.request<{ currentAppInstallation: { id: string } }>(
    CURRENT_APP_INSTALLATION,
  );
  const keys: (keyof StorefrontConfig)[] = ["storefront_key", "tag_prefix", "control_tag_prefix"];
  const { metafieldsDelete } = await ctx.admin.request<{ metafieldsDelete: { userErrors: { message: string }[] } }>(
    METAFIELDS_DELETE,
    { metafields: keys.map((key) => ({ ownerId: currentAppInstallation.id, namespace: STOREFRONT_NAMESPACE, key })) },
  );
  const error = metafieldsDelete.userErrors[0]?.message;
  if (error) {
    ctx.fail("removing storefront config", error);
    return;
  }
  ctx.counts.metafieldsDeleted += keys.length;
  await ctx.db.shop.update({ where: { id: ctx.shopId }, data: { storefrontPushed: Prisma.DbNull } });
}

function sameConfig(pushed: unknown, wanted: StorefrontConfig): boolean {
  if (!pushed || typeof pushed !== "object") return false;
  const current = pushed as Partial<StorefrontConfig>;
  return (Object.keys(wanted) as (keyof StorefrontConfig)[]).every((key) => current[key] === wanted[key]);
}
