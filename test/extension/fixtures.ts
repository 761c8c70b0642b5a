// Storefront objects shaped like Shopify's Liquid drops, as the push job leaves them: app tags
// `seg:<key>` / `seg-control:<key>`, the `$app` customer metafields (segment tokens, not keys),
// and the app's app-data metafields with the token secret and the tag prefixes.
import { segmentToken } from "~/push/storefront.server";

type Json = Record<string, unknown>;

export const STOREFRONT_KEY = "test-storefront-key";

/** The token the push writes for a segment key in the fixtures' shop. */
export function token(key: string): string {
  return segmentToken(STOREFRONT_KEY, key);
}

/** Liquid's `app` after a push: the secret and the prefixes set in the app. */
export function storefrontApp({
  tagPrefix = "seg:",
  controlTagPrefix = "seg-control:",
  key = STOREFRONT_KEY,
} = {}): Json {
  return {
    metafields: {
      segments: {
        storefront_key: { value: key },
        tag_prefix: { value: tagPrefix },
        control_tag_prefix: { value: controlTagPrefix },
      },
    },
  };
}

/** Liquid's `app` before the app's first push. */
export const appNotPushedYet: Json = { metafields: {} };

interface CustomerFixture {
  tags?: string[];
  /** Treatment segment keys, written to the `$app.segments` metafield as tokens; omit for "not written yet". */
  segments?: string[];
  /** Other `$app` metafields (rfm, lifecycle…), without `segments`. */
  otherMetafields?: Record<string, unknown>;
}

export function customer({ tags = [], segments, otherMetafields }: CustomerFixture = {}): Json {
  const appMetafields: Json = {};
  for (const [key, value] of Object.entries(otherMetafields ?? {})) appMetafields[key] = { value };
  if (segments) appMetafields.segments = { value: segments.map(token) };
  return {
    id: 7001,
    first_name: "Ada",
    email: "ada@example.test",
    tags,
    metafields: Object.keys(appMetafields).length > 0 ? { $app: appMetafields } : {},
  };
}

export const guest = null;

/** 240 merchant tags, including near-misses of the app's tags, around the given app tags. */
export function manyMerchantTags(appTags: string[]): string[] {
  const merchantTags = Array.from({ length: 236 }, (_, index) => `merchant-tag-${index}`);
  merchantTags.push("seg", "segment:rfm-champions", "vip-seg:rfm-champions", "seg-rfm-champions");
  const middle = merchantTags.length / 2;
  return [...merchantTags.slice(0, middle), ...appTags, ...merchantTags.slice(middle)];
}

export function product(id: number, overrides: Json = {}): Json {
  return {
    id,
    title: `Product ${id}`,
    url: `/products/product-${id}`,
    price: 1000 + id,
    available: true,
    featured_image: { src: `files/product-${id}.jpg`, alt: `Product ${id} photo`, width: 800, height: 800 },
    ...overrides,
  };
}

/** A shop with `$app:segment_recommendations` entries by segment key (handle = the key's token). */
export function shopWithRecommendations(bySegment: Record<string, Json[]>): Json {
  const entries: Json = {};
  for (const [segmentKey, products] of Object.entries(bySegment)) {
    entries[token(segmentKey)] = { products: { value: products }, system: { handle: token(segmentKey) } };
  }
  return { name: "Test shop", metaobjects: { "$app:segment_recommendations": entries } };
}

export function collection(products: Json[]): Json {
  return { title: "Best sellers", handle: "best-sellers", url: "/collections/best-sellers", products };
}

export const image = { src: "files/hero.jpg", alt: "Spring collection", width: 1600, height: 900 };
