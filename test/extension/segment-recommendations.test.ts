import { describe, expect, it } from "vitest";
import {
  collection,
  customer,
  guest,
  manyMerchantTags,
  product,
  shopWithRecommendations,
  storefrontApp,
  token,
} from "./fixtures";
import { renderBlock, squish } from "./liquid-harness";

const championsPicks = [product(1), product(2), product(3), product(4), product(5), product(6)];
const atRiskPicks = [product(21), product(22)];
const shop = shopWithRecommendations({
  "rfm-champions": championsPicks,
  "rfm-at-risk": atRiskPicks,
  "churn-risk-high": [],
});
const bestSellers = collection([product(91), product(92), product(93)]);

function productIds(html: string): number[] {
  return [...html.matchAll(/href="\/products\/product-(\d+)"/g)].map((match) => Number(match[1]));
}

function source(html: string): string | undefined {
  return /data-segment-source="(\w+)"/.exec(html)?.[1];
}

describe("Recommended for you block", () => {
  it("shows the top products of the customer's segment, as many as the merchant chose", async () => {
    const html = await renderBlock("segment-recommendations", {
      shop,
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(source(html)).toBe("segment");
    expect(html).toContain(`data-segment-token="${token("rfm-champions")}"`);
    expect(productIds(html)).toEqual([1, 2, 3, 4]); // default: 4 products
    const six = await renderBlock("segment-recommendations", {
      settings: { products_to_show: 6 },
      shop,
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(productIds(six)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("renders each card with title, price and a sized image", async () => {
    const html = squish(
      await renderBlock("segment-recommendations", { shop, customer: customer({ segments: ["rfm-at-risk"] }) }),
    );
    expect(html).toContain(
      '<span class="seg-recs__title">Product 21</span> <span class="seg-recs__price">$10.21</span>',
    );
    expect(html).toMatch(
      /<img src="[^"]+product-21\.jpg\?width=600" alt="Product 21 photo" width="800" height="800" loading="lazy"/,
    );
    expect(html).toContain('<h2 class="seg-recs__heading">Recommended for you</h2>');
  });

  it("tries the customer's segments in the app's order, skipping segments without recommendations", async () => {
    const both = customer({ segments: ["churn-risk-high", "rfm-at-risk", "rfm-champions"] });
    const html = await renderBlock("segment-recommendations", { shop, customer: both });
    expect(html).toContain(`data-segment-token="${token("rfm-at-risk")}"`);
    expect(productIds(html)).toEqual([21, 22]);
  });

  it("uses only the segments the merchant allowed, if any", async () => {
    const both = customer({ segments: ["rfm-at-risk", "rfm-champions"] });
    const html = await renderBlock("segment-recommendations", {
      settings: { segments: " RFM-Champions " },
      shop,
      customer: both,
    });
    expect(html).toContain(`data-segment-token="${token("rfm-champions")}"`);
    const none = await renderBlock("segment-recommendations", {
      settings: { segments: "rfm-loyal", fallback_collection: bestSellers },
      shop,
      customer: both,
    });
    expect(source(none)).toBe("collection");
  });

  it("reads segments from app tags among many merchant tags when the metafield is missing", async () => {
    const tagged = customer({ tags: manyMerchantTags(["seg:rfm-at-risk"]) });
    const html = await renderBlock("segment-recommendations", { shop, customer: tagged });
    expect(productIds(html)).toEqual([21, 22]);
  });

  it("leaves out the product being viewed and, by default, sold-out products", async () => {
    const picks = [product(1), product(2, { available: false }), product(3), product(4), product(5), product(6)];
    const soldOutShop = shopWithRecommendations({ "rfm-champions": picks });
    const member = customer({ segments: ["rfm-champions"] });
    const html = await renderBlock("segment-recommendations", {
      shop: soldOutShop,
      customer: member,
      product: product(3),
    });
    expect(productIds(html)).toEqual([1, 4, 5, 6]);
    const withSoldOut = await renderBlock("segment-recommendations", {
      settings: { hide_sold_out: false },
      shop: soldOutShop,
      customer: member,
      product: product(3),
    });
    expect(productIds(withSoldOut)).toEqual([1, 2, 4, 5]);
  });

  it("shows the fallback collection to guests, control-group holdouts and segments without picks", async () => {
    const settings = { fallback_collection: bestSellers };
    const visitors = [
      guest,
      customer({ tags: ["seg-control:rfm-champions"] }),
      customer({ tags: ["seg-control:rfm-champions"], segments: ["rfm-champions"] }),
      customer({ segments: ["churn-risk-high"] }),
      customer({ segments: ["rfm-new"] }),
    ];
    for (const visitor of visitors) {
      const html = await renderBlock("segment-recommendations", { settings, shop, customer: visitor });
      expect(source(html)).toBe("collection");
      expect(productIds(html)).toEqual([91, 92, 93]);
    }
  });

  it("follows the control-tag prefix set in the app: holdouts get the fallback", async () => {
    const settings = { fallback_collection: bestSellers };
    const app = storefrontApp({ controlTagPrefix: "holdout/" });
    const holdout = customer({ tags: ["holdout/rfm-champions"], segments: ["rfm-champions"] });
    expect(source(await renderBlock("segment-recommendations", { settings, shop, customer: holdout, app }))).toBe(
      "collection",
    );
    const member = customer({ tags: ["seg-control:rfm-champions"], segments: ["rfm-champions"] }); // not a control tag in this shop
    expect(source(await renderBlock("segment-recommendations", { settings, shop, customer: member, app }))).toBe(
      "segment",
    );
  });

  it("renders nothing without recommendations or fallback, and explains why in the theme editor", async () => {
    expect(squish(await renderBlock("segment-recommendations", { shop, customer: guest }))).toBe("");
    const inEditor = await renderBlock("segment-recommendations", {
      shop,
      customer: guest,
      request: { design_mode: true },
    });
    expect(inEditor).toContain("No products to show yet.");
  });

  it("works in a shop where the app hasn't published any recommendations yet", async () => {
    const html = await renderBlock("segment-recommendations", {
      settings: { fallback_collection: bestSellers },
      shop: { name: "New shop", metaobjects: {} },
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(source(html)).toBe("collection");
  });

  it("translates the default heading and escapes a merchant's heading and product titles", async () => {
    const member = customer({ segments: ["rfm-at-risk"] });
    const french = await renderBlock("segment-recommendations", { shop, customer: member, localeFile: "fr.json" });
    expect(french).toContain("Recommandé pour vous");

    const hostile = shopWithRecommendations({
      "rfm-at-risk": [product(21, { title: "<script>alert(1)</script> Mug" })],
    });
    const html = await renderBlock("segment-recommendations", {
      settings: { heading: '<img src=x onerror="alert(2)">' },
      shop: hostile,
      customer: member,
    });
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; Mug");
    expect(html).toContain("&lt;img src=x onerror=");
  });
});
