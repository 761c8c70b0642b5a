import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { customer, guest, manyMerchantTags, storefrontApp } from "./fixtures";
import { renderBlock, squish } from "./liquid-harness";

const winBack = {
  banner_1_segments: "churn-risk-high",
  banner_1_message: "We miss you! 15% off your next order.",
  banner_1_code: "COMEBACK15",
  banner_2_segments: "rfm-champions",
  banner_2_message: "Early access: the spring drop is live for you.",
  banner_2_link_label: "Shop the drop",
  banner_2_link: "/collections/spring",
};

function bannerMessage(html: string): string | undefined {
  return /<p class="seg-banner__message">([^<]*)<\/p>/.exec(html)?.[1];
}

describe("Segment banner app embed", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2026, 2, 15, 12, 0, 0)); // 15 March 2026, noon local time
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the banner of the customer's segment, with its discount code", async () => {
    const html = squish(
      await renderBlock("segment-banner", {
        settings: winBack,
        customer: customer({ segments: ["churn-risk-high"] }),
        request: { path: "/collections/all" },
      }),
    );
    expect(bannerMessage(html)).toBe("We miss you! 15% off your next order.");
    expect(html).toContain("Use code<code>COMEBACK15</code>");
    expect(html).toContain('href="/discount/COMEBACK15?redirect=%2Fcollections%2Fall"');
    expect(html).toContain('class="seg-banner seg-banner--bottom"');
  });

  it("shows banner 2 to its own segment, and banner 1 to customers in both", async () => {
    const champion = await renderBlock("segment-banner", {
      settings: winBack,
      customer: customer({ tags: ["seg:rfm-champions"] }),
    });
    expect(bannerMessage(champion)).toBe("Early access: the spring drop is live for you.");
    expect(squish(champion)).toContain('<a class="seg-banner__link" href="/collections/spring">Shop the drop</a>');
    expect(champion).not.toContain("seg-banner__code");

    const both = await renderBlock("segment-banner", {
      settings: winBack,
      customer: customer({ segments: ["rfm-champions", "churn-risk-high"] }),
    });
    expect(bannerMessage(both)).toBe("We miss you! 15% off your next order.");
  });

  it("shows nothing to guests, other segments and control-group holdouts", async () => {
    const visitors = [
      guest,
      customer({ segments: ["rfm-loyal"] }),
      customer({ tags: ["seg-control:churn-risk-high"] }),
      customer({ tags: manyMerchantTags(["seg-control:rfm-champions"]) }),
    ];
    for (const visitor of visitors) {
      expect(squish(await renderBlock("segment-banner", { settings: winBack, customer: visitor }))).toBe("");
    }
  });

  it("follows the control-tag prefix set in the app: holdouts under a custom prefix see no banner", async () => {
    const app = storefrontApp({ controlTagPrefix: "holdout/" });
    const holdout = customer({ tags: ["holdout/churn-risk-high"], segments: ["churn-risk-high"] });
    expect(squish(await renderBlock("segment-banner", { settings: winBack, customer: holdout, app }))).toBe("");
    const member = customer({ tags: ["seg-control:churn-risk-high"], segments: ["churn-risk-high"] });
    expect(bannerMessage(await renderBlock("segment-banner", { settings: winBack, customer: member, app }))).toBe(
      "We miss you! 15% off your next order.",
    );
  });

  it("respects the start and end dates, the end date included", async () => {
    const member = customer({ segments: ["churn-risk-high"] });
    const shownOn = async (starts: string, ends: string) =>
      bannerMessage(
        await renderBlock("segment-banner", {
          settings: { ...winBack, banner_1_starts: starts, banner_1_ends: ends },
          customer: member,
        }),
      ) !== undefined;
    expect(await shownOn("2026-03-01", "2026-03-31")).toBe(true);
    expect(await shownOn("2026-03-15", "2026-03-15")).toBe(true);
    expect(await shownOn("2026-03-16", "")).toBe(false);
    expect(await shownOn("", "2026-03-14")).toBe(false);
    expect(await shownOn("", "")).toBe(true);
  });

  it("hides a banner whose dates aren't in YYYY-MM-DD form rather than guess", async () => {
    const member = customer({ segments: ["churn-risk-high"] });
    const html = await renderBlock("segment-banner", {
      settings: { ...winBack, banner_1_ends: "31/12/2026" },
      customer: member,
    });
    expect(squish(html)).toBe("");
  });

  it("can be dismissed without JavaScript, and remembers the dismissal per banner content", async () => {
    const member = customer({ segments: ["churn-risk-high"] });
    const html = await renderBlock("segment-banner", { settings: winBack, customer: member });
    const toggleId = /<input\s+type="checkbox"\s+class="seg-banner__toggle"\s+id="([^"]+)"/.exec(html)?.[1];
    expect(toggleId).toMatch(/^seg-banner-[0-9a-f]{32}$/);
    expect(html).toContain(`<label class="seg-banner__close" for="${toggleId}"`);

    const again = await renderBlock("segment-banner", { settings: winBack, customer: member });
    const edited = await renderBlock("segment-banner", {
      settings: { ...winBack, banner_1_message: "New offer" },
      customer: member,
    });
    const idOf = (markup: string) => /data-segment-banner="([^"]+)"/.exec(markup)?.[1];
    expect(idOf(again)).toBe(idOf(html));
    expect(idOf(edited)).not.toBe(idOf(html));
  });

  it("escapes the message, link and discount code", async () => {
    const html = await renderBlock("segment-banner", {
      settings: {
        ...winBack,
        banner_1_message: "<script>alert(1)</script>",
        banner_1_code: '"><svg onload=alert(2)>',
        banner_1_link_label: "<b>Go</b>",
        banner_1_link: '/a" onclick="alert(3)',
      },
      customer: customer({ segments: ["churn-risk-high"] }),
    });
    expect(html).not.toMatch(/<script>alert|<svg onload|<b>Go|" onclick=/);
    expect(bannerMessage(html)).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('href="/discount/%22%3E%3Csvg+onload%3Dalert(2)%3E?redirect=%2F"');
  });

  it("previews banner 1 in the theme editor, marked as a preview", async () => {
    const html = await renderBlock("segment-banner", {
      settings: { ...winBack, position: "top" },
      customer: guest,
      request: { design_mode: true },
    });
    expect(bannerMessage(html)).toBe("We miss you! 15% off your next order.");
    expect(html).toContain('<span class="seg-banner__preview">Preview</span>');
    expect(html).toContain("seg-banner--top");
  });

  it("uses the storefront language for its labels", async () => {
    const html = await renderBlock("segment-banner", {
      settings: winBack,
      customer: customer({ segments: ["churn-risk-high"] }),
      localeFile: "de.json",
    });
    expect(html).toContain('aria-label="Ankündigung schließen"');
    expect(html).toContain("Beim Checkout anwenden");
  });
});
