import { describe, expect, it } from "vitest";
import { readThemeStatus, themeStatusFrom } from "~/components/theme-status";

// Reading `shopify.app.extensions()` (shape of @shopify/app-bridge-types 0.7.2) into the
// overview card's status, and degrading to "not known" whenever App Bridge can't tell.

const piece = (handle: string, name: string, target: string, status: string, placements = 0) => ({
  handle,
  name,
  target,
  status,
  activations: Array.from({ length: placements }, (_, i) => ({
    target: `template--index/apps/${handle}_${i}`,
    themeId: "gid://shopify/OnlineStoreTheme/1",
  })),
});

const answer = (embedStatus: string, contentPlacements: number) => [
  {
    handle: "some-checkout-extension",
    type: "ui_extension",
    activations: [{ target: "purchase.thank-you.block.render" }],
  },
  {
    handle: "segment-blocks",
    type: "theme_app_extension",
    activations: [
      piece("segment-banner", "Segment banner", "body", embedStatus, embedStatus === "active" ? 1 : 0),
      piece(
        "segment-content",
        "Segment content",
        "section",
        contentPlacements > 0 ? "active" : "available",
        contentPlacements,
      ),
      piece("segment-recommendations", "Recommended for you", "section", "unavailable"),
    ],
  },
];

describe("theme status from shopify.app.extensions()", () => {
  it("reads the embed and each block of our theme app extension", () => {
    expect(themeStatusFrom(answer("active", 2))).toEqual({
      known: true,
      embed: { handle: "segment-banner", name: "Segment banner", status: "active", placements: 1 },
      blocks: [
        { handle: "segment-content", name: "Segment content", status: "active", placements: 2 },
        { handle: "segment-recommendations", name: "Recommended for you", status: "unavailable", placements: 0 },
      ],
    });
    const off = themeStatusFrom(answer("available", 0));
    expect(off.known && off.embed.status).toBe("available");
    expect(off.known && off.blocks[0].status).toBe("available");
  });

  it("counts an extension that isn't listed (not deployed) as nothing on", () => {
    const status = themeStatusFrom([]);
    expect(status.known && [status.embed, ...status.blocks].map((p) => p.status)).toEqual([
      "available",
      "available",
      "available",
    ]);
  });

  it("derives the status from the placements when Shopify gives none it knows", () => {
    const [ui, ours] = answer("active", 1);
    const odd = {
      ...ours,
      activations: (ours.activations as ReturnType<typeof piece>[]).map((a) => ({ ...a, status: "enabled" })),
    };
    const status = themeStatusFrom([ui, odd]);
    expect(status.known && status.embed.status).toBe("active");
    expect(status.known && status.blocks.map((b) => b.status)).toEqual(["active", "available"]);
  });

  it("is not known without App Bridge, without its App API, when extensions() fails or answers nonsense", async () => {
    expect(await readThemeStatus(undefined)).toEqual({ known: false });
    expect(await readThemeStatus({ toast: {} })).toEqual({ known: false });
    expect(await readThemeStatus({ app: {} })).toEqual({ known: false });
    expect(
      await readThemeStatus({ app: { extensions: () => Promise.reject(new Error("App API unavailable")) } }),
    ).toEqual({ known: false });
    expect(
      await readThemeStatus({
        app: {
          extensions: () => {
            throw new Error("sync failure");
          },
        },
      }),
    ).toEqual({ known: false });
    expect(await readThemeStatus({ app: { extensions: async () => ({ not: "a list" }) } })).toEqual({ known: false });
    const app = {
      answer: answer("active", 0),
      extensions(this: { answer: unknown }) {
        return Promise.resolve(this.answer);
      },
    };
    expect(await readThemeStatus({ app })).toMatchObject({ known: true, embed: { status: "active" } });
  });
});
