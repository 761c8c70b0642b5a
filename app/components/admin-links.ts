// Links into Shopify admin from the embedded app. App Bridge opens `shopify://admin/…` URLs in
// the admin itself (top frame), whatever the store's admin domain is.

export const adminLinks = {
  customer: (shopifyId: string) => `shopify://admin/customers/${shopifyId}`,
  /** Native segment ids are GIDs (gid://shopify/Segment/123); the admin URL wants the number. */
  nativeSegment: (segmentGid: string) => `shopify://admin/customers/segments/${segmentGid.split("/").pop()}`,
  /** Shopify Email: the merchant picks the segment as the campaign's audience. */
  emailCampaign: () => "shopify://admin/apps/shopify-email",
};

/** The theme editor with our segment-content app block ready to add (see README, Storefront blocks). */
export function themeEditorLink(shop: string, apiKey: string): string {
  return `https://${shop}/admin/themes/current/editor?context=apps&template=index&activateAppId=${apiKey}/segment-content`;
}
