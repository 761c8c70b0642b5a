import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import * as documents from "~/shopify/documents";
import { API_VERSION } from "~/shopify/api-version";
import { loadAdminSchema } from "../shopify-emulator/schema";

// Bulk queries are strings inside a mutation's variables, so they are validated as documents too.
describe("Admin GraphQL documents", () => {
  const schema = loadAdminSchema(API_VERSION);
  for (const [name, source] of Object.entries(documents)) {
    it(`${name} is valid against Shopify's Admin schema ${API_VERSION}`, () => {
      const errors = validate(schema, parse(source));
      expect(errors.map((e) => e.message)).toEqual([]);
    });
  }

  it("catches a misspelled field", () => {
    const errors = validate(schema, parse(documents.SHOP_INFO.replace("currencyCode", "currencyCod")));
    expect(errors.length).toBeGreaterThan(0);
  });
});
