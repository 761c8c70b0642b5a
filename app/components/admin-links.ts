// Links into Shopify admin from the embedded app. App Bridge opens `shopify://admin/…` URLs in
// the admin itself (top frame), whatever the store's admin domain is.

export const adminLinks = {
  customer: (shopifyId: string) => `shopify://admin/customers/${shopifyId}`,
  /** Native segment ids are GIDs (gid://shopify/Segment/123); the admin URL wants the number. */
  nativeSegment: (segmentGid: string) => `shopify://admin/customers/segments/${segmentGid.split("/").pop()}`,
  /** Shopify Email: the merchant picks the segment as the campaign's audience. */
  emailCampaign: () => "shopify://admin/apps/shopify-email",
};

// Theme editor deep links of the published theme (Shopify's "deep linking" for theme app
// extensions). Both open the editor with the change staged; the merchant still clicks Save.
// They go to the shop's own admin domain, so they open in a new tab rather than in the frame.
export const themeEditorLinks = {
  /** App embed: App embeds panel with ours switched on (`activateAppId=<client id>/<embed handle>`). */
  activateEmbed: (shop: string, apiKey: string, handle: string) =>
    `https://${shop}/admin/themes/current/editor?context=apps&activateAppId=${apiKey}/${handle}`,
  /** App block: added to a new Apps section of the template (`addAppBlockId=<client id>/<block handle>`). */
  addBlock: (shop: string, apiKey: string, handle: string, template = "index") =>
    `https://${shop}/admin/themes/current/editor?template=${template}&addAppBlockId=${apiKey}/${handle}&target=newAppsSection`,
};

/** The theme editor with our segment-content app block ready to add (see docs/storefront.md). */
export function themeEditorLink(shop: string, apiKey: string): string {
  return themeEditorLinks.addBlock(shop, apiKey, "segment-content");
}
