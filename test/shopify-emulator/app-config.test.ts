import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appConfigFromToml } from "./app-config";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, startWebhookReceiver, TEST_APP } from "./test-helpers";

const TOML = `
client_id = "abc" # comment
name = "Segments"
[access_scopes]
scopes = "read_customers,write_customers"

[webhooks]
api_version = "2026-07"

  [[webhooks.subscriptions]]
  topics = [
    "orders/create",   # multi-line array
    "orders/updated",
  ]
  uri = "/webhooks/orders"

  [[webhooks.subscriptions]]
  compliance_topics = ["customers/data_request", "customers/redact", "shop/redact"]
  uri = "/webhooks/compliance"

[customer.metafields.app.clv]
type = "number_decimal"
name = "Predicted CLV"
access.storefront = "public_read"

[metaobjects.app.segment_recommendations]
name = "Segment recommendations"
display_name_field = "segment_key"
access.storefront = "public_read"

[metaobjects.app.segment_recommendations.fields.segment_key]
name = "Segment key"
type = "single_line_text_field"
required = true

[metaobjects.app.segment_recommendations.fields.products]
name = "Products"
type = "list.product_reference"
required = true
`;

describe("shopify.app.toml", () => {
  it("reads the name, subscriptions, compliance topics, scopes and app-owned metafield and metaobject definitions", () => {
    const config = appConfigFromToml(TOML);
    expect(config.name).toBe("Segments");
    expect(Object.fromEntries(config.subscriptions)).toEqual({
      "orders/create": "/webhooks/orders",
      "orders/updated": "/webhooks/orders",
      "customers/data_request": "/webhooks/compliance",
      "customers/redact": "/webhooks/compliance",
      "shop/redact": "/webhooks/compliance",
    });
    expect(config.scopes).toBe("read_customers,write_customers");
    expect(config.webhooksApiVersion).toBe("2026-07");
    expect(config.customerMetafields).toEqual([
      { key: "clv", type: "number_decimal", name: "Predicted CLV", description: null },
    ]);
    expect(config.metaobjects).toEqual([
      {
        name: "segment_recommendations",
        displayName: "Segment recommendations",
        description: null,
        displayNameKey: "segment_key",
        fields: [
          {
            key: "segment_key",
            name: "Segment key",
            type: "single_line_text_field",
            required: true,
            description: null,
          },
          { key: "products", name: "Products", type: "list.product_reference", required: true, description: null },
        ],
      },
    ]);
  });

  describe("an emulator configured from it", () => {
    let emu: Emulator;
    let app: Awaited<ReturnType<typeof startWebhookReceiver>>;
    beforeAll(async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "app-toml-")), "shopify.app.toml");
      writeFileSync(file, TOML);
      app = await startWebhookReceiver();
      emu = await startEmulator({ ...TEST_APP, appUrl: app.url, appToml: file });
      emu.addShop("toml.myshopify.com", { customers: 5 });
    });
    afterAll(async () => {
      await emu.close();
      await app.close();
    });

    it("delivers subscribed topics to their uri and lets metafieldsSet omit the declared type", async () => {
      emu.shop("toml.myshopify.com").createOrder();
      emu.requestShopRedact("toml.myshopify.com");
      await emu.idle();
      expect(app.received.map((r) => [r.path, r.headers["x-shopify-topic"]])).toEqual([
        ["/webhooks/orders", "orders/create"],
        ["/webhooks/compliance", "shop/redact"],
      ]);

      const customer = [...emu.shop("toml.myshopify.com").customers()][0].record;
      const set = await adminGraphQL<{ metafieldsSet: { metafields: { type: string }[]; userErrors: unknown[] } }>(
        emu,
        "toml.myshopify.com",
        `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { type } userErrors { message } } }`,
        { m: [{ ownerId: `gid://shopify/Customer/${customer.id}`, key: "clv", value: "12.5" }] },
      );
      expect(set.data!.metafieldsSet).toEqual({ metafields: [{ type: "number_decimal" }], userErrors: [] });
    });
  });
});
