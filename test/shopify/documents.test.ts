import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import * as documents from "~/shopify/documents";
import { API_VERSION } from "~/shopify/api-version";
import { filteredBulkQuery } from "~/shopify/bulk.server";
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

  it("keeps the back-fill's bulk queries valid with a catch-up filter", () => {
    for (const query of [documents.CUSTOMERS_BULK_QUERY, documents.ORDERS_BULK_QUERY, documents.PRODUCTS_BULK_QUERY]) {
      const filtered = filteredBulkQuery(query, "updated_at:>='2026-10-31T20:00:00.000Z'");
      expect(filtered).toMatch(/\w+\(query: "updated_at:>='2026-10-31T20:00:00.000Z'"\) \{/);
      expect(validate(schema, parse(filtered)).map((e) => e.message)).toEqual([]);
    }
  });

  it("catches a misspelled field", () => {
    const errors = validate(schema, parse(documents.SHOP_INFO.replace("currencyCode", "currencyCod")));
    expect(errors.length).toBeGreaterThan(0);
  });
});
