// The app-owned customer metafield definitions in shopify.app.toml against what the push writes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LIFECYCLE_STAGES } from "~/segmentation";
import { METAFIELD_TYPES, metafieldValues } from "~/push/metafield-values";
import { DEFAULT_APP_TOML, parseToml } from "../shopify-emulator/app-config";

type Table = Record<string, unknown>;

function customerMetafieldDefinitions(): Record<string, Table> {
  const toml = parseToml(readFileSync(DEFAULT_APP_TOML, "utf8")) as Table;
  return ((toml.customer as Table).metafields as Table).app as Record<string, Table>;
}

describe("customer metafield definitions", () => {
  it("declares every metafield the push writes, with the type it writes", () => {
    const definitions = customerMetafieldDefinitions();
    for (const [key, type] of Object.entries(METAFIELD_TYPES))
      expect({ key, type: definitions[key]?.type }).toEqual({ key, type });
  });

  it("describes the lifecycle metafield with exactly the values the push can write", () => {
    const description = String(customerMetafieldDefinitions().lifecycle.description);
    const named = new Set(description.match(/lifecycle-[a-z-]*[a-z]/g) ?? []);
    const written = LIFECYCLE_STAGES.map((stage) => {
      const score = {
        r: 1,
        f: 1,
        m: 1,
        rfmSegment: "rfm-lost",
        lifecycle: stage.key,
        pAlive: null,
        clv: null,
        nextOrderAt: null,
      };
      return metafieldValues({ segments: [], score }, "UTC").lifecycle;
    });
    expect([...named].sort()).toEqual([...written].sort());
    expect(description.length).toBeLessThanOrEqual(255); // Shopify's limit for a definition's description
  });

  it("lets the storefront read only the segment tokens the blocks need, never a score", () => {
    const definitions = customerMetafieldDefinitions();
    const storefront = Object.entries(definitions).flatMap(([key, d]) =>
      d["access.storefront"] === undefined || d["access.storefront"] === "none" ? [] : [key],
    );
    expect(storefront).toEqual(["segments"]);
    expect(definitions.segments["access.storefront"]).toBe("public_read");
    // Admin access stays the default (merchant_read): nothing here is public to other apps.
    for (const d of Object.values(definitions)) expect(d["access.admin"] ?? "merchant_read").toBe("merchant_read");
  });

  it("keeps segment keys out of the public recommendations metaobject", () => {
    const toml = parseToml(readFileSync(DEFAULT_APP_TOML, "utf8")) as Table;
    const definition = ((toml.metaobjects as Table).app as Record<string, Table>).segment_recommendations;
    expect(definition["access.storefront"]).toBe("public_read");
    expect(Object.keys(definition.fields as Table)).toEqual(["products"]);
  });
});
