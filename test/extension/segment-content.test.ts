import { describe, expect, it } from "vitest";
import { appNotPushedYet, customer, guest, image, manyMerchantTags, storefrontApp, token } from "./fixtures";
import { renderBlock, squish } from "./liquid-harness";

const forChampions = {
  segments: "rfm-champions",
  heading: "Early access for champions",
  fallback_heading: "Join our newsletter",
};

async function variantShown(options: Parameters<typeof renderBlock>[1]): Promise<string> {
  const html = await renderBlock("segment-content", options);
  const variants = [...html.matchAll(/data-segment-variant="(\w+)"/g)].map((match) => match[1]);
  expect(variants.length).toBeLessThanOrEqual(1);
  return variants[0] ?? "nothing";
}

describe("Segment content block", () => {
  it("shows the segment content to a customer whose app metafield lists the segment", async () => {
    const html = await renderBlock("segment-content", {
      settings: forChampions,
      customer: customer({ segments: ["churn-risk-low", "rfm-champions"] }),
    });
    expect(html).toContain("Early access for champions");
    expect(html).not.toContain("Join our newsletter");
    expect(html).toContain("<p>Enjoy early access to the new collection.</p>"); // rich text default
  });

  it("falls back to the customer's app tags when the segments metafield is missing", async () => {
    const tagged = customer({ tags: ["seg:rfm-champions"], otherMetafields: { rfm: "545" } });
    expect(await variantShown({ settings: forChampions, customer: tagged })).toBe("segment");
    const untagged = customer({ tags: ["wholesale"] });
    expect(await variantShown({ settings: forChampions, customer: untagged })).toBe("nothing");
  });

  it("prefers the metafield over tags, which may lag behind a push", async () => {
    const moved = customer({ tags: ["seg:rfm-champions"], segments: ["rfm-at-risk"] });
    expect(await variantShown({ settings: forChampions, customer: moved })).toBe("nothing");
  });

  it("reads tags with the merchant's own prefix, as set in the app", async () => {
    const vip = customer({ tags: ["VIP/rfm-champions"] });
    expect(
      await variantShown({ settings: forChampions, customer: vip, app: storefrontApp({ tagPrefix: "vip/" }) }),
    ).toBe("segment");
    expect(await variantShown({ settings: forChampions, customer: vip })).toBe("nothing");
  });

  it("shows nothing to guests and customers of other segments by default", async () => {
    expect(squish(await renderBlock("segment-content", { settings: forChampions, customer: guest }))).toBe("");
    const other = customer({ segments: ["churn-risk-high"], tags: ["seg:churn-risk-high"] });
    expect(squish(await renderBlock("segment-content", { settings: forChampions, customer: other }))).toBe("");
  });

  it("shows the fallback content to guests and other segments when asked to", async () => {
    const settings = {
      ...forChampions,
      others_see: "fallback",
      fallback_button_label: "Sign up",
      fallback_button_link: "/pages/newsletter",
    };
    for (const visitor of [guest, customer({ segments: ["churn-risk-high"] })]) {
      const html = await renderBlock("segment-content", { settings, customer: visitor });
      expect(html).toContain("Join our newsletter");
      expect(html).not.toContain("Early access for champions");
      expect(squish(html)).toContain('<a class="seg-content__button button" href="/pages/newsletter">Sign up</a>');
    }
  });

  it("gives control-group holdouts the fallback, even if a stale metafield lists the segment", async () => {
    const settings = { ...forChampions, others_see: "fallback" };
    const holdout = customer({ tags: ["seg-control:rfm-champions"] });
    expect(await variantShown({ settings, customer: holdout })).toBe("fallback");
    const staleMetafield = customer({ tags: ["seg-control:rfm-champions"], segments: ["rfm-champions"] });
    expect(await variantShown({ settings, customer: staleMetafield })).toBe("fallback");
  });

  it("follows the control-tag prefix set in the app: holdouts under a custom prefix get the fallback", async () => {
    const settings = { ...forChampions, others_see: "fallback" };
    const app = storefrontApp({ controlTagPrefix: "holdout/" });
    // The metafield still lists the segment (a push that stopped after the tags): the tag wins.
    const staleMetafield = customer({ tags: ["Holdout/rfm-champions"], segments: ["rfm-champions"] });
    expect(await variantShown({ settings, customer: staleMetafield, app })).toBe("fallback");
    const tagsOnly = customer({ tags: ["seg:rfm-champions", "holdout/rfm-champions"] });
    expect(await variantShown({ settings, customer: tagsOnly, app })).toBe("fallback");
    // The default prefix means nothing in this shop.
    const member = customer({ tags: ["seg-control:rfm-champions"], segments: ["rfm-champions"] });
    expect(await variantShown({ settings, customer: member, app })).toBe("segment");
  });

  it("matches segment keys against tokens, never against keys in the metafield", async () => {
    // What a customer can read of their own data: tokens only.
    const member = customer({ segments: ["churn-risk-high", "rfm-champions"] });
    const listed = (member.metafields as Record<string, Record<string, { value: string[] }>>).$app.segments.value.join(
      ",",
    );
    expect(listed).toBe([token("churn-risk-high"), token("rfm-champions")].join(","));
    expect(listed).not.toMatch(/churn|rfm|champion/);
    expect(await variantShown({ settings: forChampions, customer: member })).toBe("segment");
    // A metafield holding the key itself (as before tokens) matches nothing.
    const plainKeys = { ...member, metafields: { $app: { segments: { value: ["rfm-champions"] } } } };
    expect(await variantShown({ settings: forChampions, customer: plainKeys })).toBe("nothing");
    // Another shop's secret makes other tokens.
    expect(
      await variantShown({ settings: forChampions, customer: member, app: storefrontApp({ key: "another-shop" }) }),
    ).toBe("nothing");
  });

  it("shows nothing (or the fallback) before the app's first push, when there is no secret yet", async () => {
    const member = customer({ segments: ["rfm-champions"], tags: ["seg:rfm-champions"] });
    expect(await variantShown({ settings: forChampions, customer: member, app: appNotPushedYet })).toBe("nothing");
    expect(
      await variantShown({
        settings: { ...forChampions, others_see: "fallback" },
        customer: member,
        app: appNotPushedYet,
      }),
    ).toBe("fallback");
  });

  it("finds the app tag among hundreds of merchant tags and ignores look-alikes", async () => {
    const member = customer({ tags: manyMerchantTags(["seg:rfm-champions"]) });
    expect(await variantShown({ settings: forChampions, customer: member })).toBe("segment");
    const lookAlikesOnly = customer({
      tags: manyMerchantTags(["seg:rfm-champions-2024", "seg-control:rfm-champions"]),
    });
    expect(await variantShown({ settings: forChampions, customer: lookAlikesOnly })).toBe("nothing");
  });

  it("matches any of several segments, whatever the spacing and case the merchant typed", async () => {
    const settings = { ...forChampions, segments: " Churn-Risk-High ,rfm-champions,, " };
    expect(await variantShown({ settings, customer: customer({ segments: ["churn-risk-high"] }) })).toBe("segment");
    expect(await variantShown({ settings, customer: customer({ tags: ["seg:rfm-champions"] }) })).toBe("segment");
    expect(await variantShown({ settings, customer: customer({ segments: ["rfm-loyal"] }) })).toBe("nothing");
  });

  it("shows nothing when no segment is chosen yet", async () => {
    expect(
      await variantShown({
        settings: { ...forChampions, segments: "" },
        customer: customer({ segments: ["rfm-champions"] }),
      }),
    ).toBe("nothing");
  });

  it("escapes HTML in text settings so they cannot inject markup", async () => {
    const html = await renderBlock("segment-content", {
      settings: {
        segments: "rfm-champions",
        heading: '<script>alert("heading")</script>',
        button_label: '"><img src=x onerror=alert(1)>',
        button_link: '/x" onmouseover="alert(1)',
        alignment: 'left" onclick="alert(1)',
      },
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toMatch(/" onmouseover=|" onclick=/);
    // Shopify's escape writes &quot;, liquidjs's &#34;: both are the same safe entity.
    expect(html).toMatch(/&lt;script&gt;alert\((&quot;|&#34;)heading(&quot;|&#34;)\)&lt;\/script&gt;/);
    expect(html).toMatch(/href="\/x(&quot;|&#34;) onmouseover=(&quot;|&#34;)alert\(1\)"/);
  });

  it("renders the image with its dimensions, so the page doesn't shift while it loads", async () => {
    const html = await renderBlock("segment-content", {
      settings: { ...forChampions, image },
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(html).toMatch(
      /<img src="https:\/\/cdn\.shopify\.test\/files\/hero\.jpg\?width=1500" alt="Spring collection" width="1600" height="900" loading="lazy"/,
    );
  });

  it("previews the chosen version in the theme editor, where nobody is logged in", async () => {
    const settings = { ...forChampions, segments: "rfm-champions, <b>vip</b>", others_see: "fallback" };
    const segmentPreview = await renderBlock("segment-content", {
      settings,
      customer: guest,
      request: { design_mode: true },
    });
    expect(segmentPreview).toContain("Early access for champions");
    expect(segmentPreview).toContain(
      "Theme editor preview of the content for customers in: rfm-champions, &lt;b&gt;vip&lt;/b&gt;.",
    );

    const othersPreview = await renderBlock("segment-content", {
      settings: { ...settings, editor_preview: "others" },
      customer: guest,
      request: { design_mode: true },
    });
    expect(othersPreview).toContain("Join our newsletter");
    expect(othersPreview).not.toContain("translation missing");
  });

  it("never shows the editor note on the live storefront", async () => {
    const html = await renderBlock("segment-content", {
      settings: forChampions,
      customer: customer({ segments: ["rfm-champions"] }),
    });
    expect(html).not.toContain("seg-editor-note");
  });
});
