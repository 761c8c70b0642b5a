import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { themeStatusFrom } from "~/components/theme-status";
import { startEmulator, type Emulator } from "./index";
import { appExtensionsAnswer, readThemeExtensions } from "./admin/theme-extensions";

// What the emulated admin's `shopify.app.extensions()` answers: read from the repo's theme app
// extension, per shop, nothing on until a test switches it on.

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("theme app extensions of the emulated admin", () => {
  it("reads the extension's blocks and embeds with their English names and targets", () => {
    expect(readThemeExtensions(ROOT)).toEqual([
      {
        handle: "segment-blocks",
        blocks: [
          { handle: "segment-banner", name: "Segment banner", target: "body" },
          { handle: "segment-content", name: "Segment content", target: "section" },
          { handle: "segment-recommendations", name: "Recommended for you", target: "section" },
        ],
      },
    ]);
  });

  it("answers in App Bridge's shape, which the app reads as the same status", () => {
    const extensions = readThemeExtensions(ROOT);
    const answer = appExtensionsAnswer(extensions, {
      embeds: ["segment-banner"],
      blocks: { "segment-content": ["index", "product"] },
    });
    expect(answer[0]).toMatchObject({ handle: "segment-blocks", type: "theme_app_extension" });
    expect(answer[0].activations[0]).toEqual({
      handle: "segment-banner",
      name: "Segment banner",
      target: "body",
      status: "active",
      activations: [{ target: "settings_data/blocks/segment-banner", themeId: "gid://shopify/OnlineStoreTheme/1" }],
    });
    const status = themeStatusFrom(answer);
    expect(status.known && [status.embed, ...status.blocks].map((p) => [p.handle, p.status, p.placements])).toEqual([
      ["segment-banner", "active", 1],
      ["segment-content", "active", 2],
      ["segment-recommendations", "available", 0],
    ]);
  });

  describe("over HTTP, per shop", () => {
    let emu: Emulator;
    beforeAll(async () => {
      emu = await startEmulator({ apiKey: "key", apiSecret: "secret", appUrl: "http://127.0.0.1:1" });
      emu.addShop("one.myshopify.com", { customers: 0 });
      emu.addShop("two.myshopify.com", { customers: 0 });
    });
    afterAll(() => emu.close());
    const get = (shop: string) => fetch(`${emu.origin}/admin-emulator/app-extensions?shop=${shop}`);
    const statuses = async (shop: string) =>
      ((await (await get(shop)).json()) as { activations: { status: string }[] }[])[0].activations.map((a) => a.status);

    it("starts with nothing on, and changes only the shop it is told to", async () => {
      expect(await statuses("one.myshopify.com")).toEqual(["available", "available", "available"]);
      emu.setThemeActivations("one.myshopify.com", { embeds: ["segment-banner"] });
      expect(await statuses("one.myshopify.com")).toEqual(["active", "available", "available"]);
      expect(await statuses("two.myshopify.com")).toEqual(["available", "available", "available"]);
    });

    it("refuses handles the extension doesn't have, answers 404 for an unknown shop and 503 under the fault", async () => {
      expect(() => emu.setThemeActivations("one.myshopify.com", { embeds: ["segment-content"] })).toThrow(
        "no app embed segment-content",
      );
      expect(() => emu.setThemeActivations("one.myshopify.com", { blocks: { "segment-banner": ["index"] } })).toThrow(
        "no app block segment-banner",
      );
      expect((await get("nobody.myshopify.com")).status).toBe(404);
      emu.faults.appBridge.extensionsUnavailable = true;
      expect((await get("one.myshopify.com")).status).toBe(503);
      emu.faults.appBridge.extensionsUnavailable = false;
      expect((await get("one.myshopify.com")).status).toBe(200);
    });
  });
});
