import { describe, expect, it } from "vitest";
import { FIELD_TABLE, fieldSpec, type ConditionField } from "~/segmentation/rule-fields";
import { customersMatchingSql, ruleSql } from "~/segmentation/rule-sql";
import type { RuleCondition } from "~/segmentation/rules";
import type { SqlFragment } from "~/segmentation/sql-fragment";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  appSourceFiles,
  scanApp,
  shopOwnedTables,
  sqlUnits,
  tableReferences,
  unscopedReferences,
} from "./shop-scope-scanner";

// Every raw SQL statement in app/ (Prisma's $queryRaw/$executeRaw and their Unsafe forms, the
// rule compiler's `sql` fragments, COPY texts for copyOut, pg client queries) that touches a
// shop-owned table names the shop: `"shopId" = …` (the inbox and compliance log: `"shopDomain"`),
// directly or through a join or correlation to a table that does. The shop-owned tables are read
// from prisma/schema.prisma, so a new model is covered the day it is added. Statements that
// legitimately span shops are listed here, each with its reason; the list is exact (an entry that
// no longer matches anything fails too).

/** `file#owner:table` → why the statement may span shops. */
const CROSS_SHOP: Record<string, string> = {
  "app/compute/compute-shop.server.ts#computeShop:CustomerScore":
    "ANALYZE refreshes the planner's statistics of the whole table after a large write; it returns no rows",
  "app/compute/compute-shop.server.ts#computeShop:Membership":
    "ANALYZE refreshes the planner's statistics of the whole table after a large write; it returns no rows",
  "app/sync/backfill.server.ts#refreshStatistics:(dynamic)":
    'ANALYZE "<table>" after a back-fill, the table from a fixed list of our own tables; it returns no rows',
  "app/sync/compliance.server.ts#deleteInBatches:(dynamic)":
    'erasing one shop in batches: the table from the fixed list in eraseShopData, the text says "<shop column>" = $1',
  "app/privacy/reencrypt.server.ts#reencryptCustomers:Customer":
    "key rotation (npm run reencrypt): walks every shop's customers by (shop, id) unless --shop names one; each row is resealed under its own shop",
  "app/privacy/reencrypt.server.ts#sealedKeyUsage:Customer":
    "key rotation report: counts stored values per key id over all shops (numbers only, no row leaves the query)",
  "app/sync/retention.server.ts#purgeOldAccessLog:AccessLogEntry":
    "retention sweep by age: every shop's access log entries older than 365 days (maintenance queue, hourly)",
  "app/sync/retention.server.ts#purgeAppliedWebhooks:WebhookEvent":
    "retention sweep by age: every shop's inbox rows applied more than 7 days ago (maintenance queue, hourly)",
};

const tables = shopOwnedTables();
const unscoped = (text: string) => unscopedReferences(text, tables).map((r) => r.table);

describe("the scanner", () => {
  it("reads the shop-owned tables from schema.prisma", () => {
    expect(tables.get("Customer")).toBe("shopId");
    expect(tables.get("Order")).toBe("shopId");
    expect(tables.get("WebhookEvent")).toBe("shopDomain");
    expect(tables.has("Shop")).toBe(false);
    expect(tables.has("Session")).toBe(false);
    const schema = `model Widget {\n  id Int @id\n  shopId Int\n}\nmodel Global {\n  id Int @id\n}\n`;
    expect([...shopOwnedTables(schema).keys()]).toEqual(["Widget"]);
  });

  it("flags a deliberately unscoped statement", () => {
    expect(unscoped(`SELECT "email" FROM "Customer" WHERE "id" = $1`)).toEqual(["Customer"]);
    expect(unscoped(`DELETE FROM "Order" WHERE "processedAt" < $1`)).toEqual(["Order"]);
    expect(unscoped(`UPDATE "CustomerScore" SET "clv" = 0`)).toEqual(["CustomerScore"]);
    expect(unscoped(`INSERT INTO "Membership" ("customerId", "segmentKey") VALUES ($1, $2)`)).toEqual(["Membership"]);
    expect(unscoped(`COPY (SELECT * FROM "Order" o WHERE o."test") TO STDOUT`)).toEqual(["Order"]);
    expect(unscoped(`DELETE FROM "WebhookEvent" WHERE "processedAt" < now()`)).toEqual(["WebhookEvent"]);
  });

  it("does not let a join of two unscoped tables scope either", () => {
    expect(
      unscoped(
        `SELECT * FROM "Order" o JOIN "Customer" c ON c."shopId" = o."shopId" AND c."shopifyId" = o."customerShopifyId"`,
      ),
    ).toEqual(["Order", "Customer"]);
  });

  it("does not let a subquery's bare condition scope the outer query, nor the reverse", () => {
    expect(
      unscoped(`SELECT * FROM "Customer" WHERE "id" IN (SELECT "customerId" FROM "Membership" WHERE "shopId" = $1)`),
    ).toEqual(["Customer"]);
    expect(
      unscoped(`SELECT * FROM "Customer" WHERE "shopId" = $1 AND "id" IN (SELECT "customerId" FROM "Membership")`),
    ).toEqual(["Membership"]);
  });

  it("accepts the codebase's scoped forms", () => {
    expect(unscoped(`SELECT * FROM "Customer" WHERE "shopId" = \${shop.id} AND "id" = \${id}`)).toEqual([]);
    expect(
      unscoped(
        `SELECT * FROM "Membership" m LEFT JOIN "Segment" g ON g."shopId" = m."shopId" AND g."key" = m."segmentKey" WHERE m."shopId" = $1`,
      ),
    ).toEqual([]);
    expect(unscoped(`SELECT 1 FROM "Order" o WHERE o."shopId" = c."shopId"`)).toEqual([]); // correlated fragment
    expect(unscoped(`SELECT * FROM "Order" o WHERE o."shopId" = ANY($1::int[])`)).toEqual([]);
    expect(
      unscoped(`INSERT INTO "Membership" ("shopId", "customerId") SELECT * FROM unnest($1::int[], $2::bigint[])`),
    ).toEqual([]);
    expect(
      unscoped(
        `UPDATE "Customer" AS c SET "email" = NULL FROM unnest($1) AS v("shopId", id) WHERE c."shopId" = v."shopId"`,
      ),
    ).toEqual([]);
    expect(unscoped(`SELECT * FROM "Order" JOIN "Customer" c USING ("shopId") WHERE "shopId" = $1`)).toEqual([]);
    expect(unscoped(`DELETE FROM "WebhookEvent" WHERE "shopDomain" = $1`)).toEqual([]);
  });

  it("reads interpolated fragments where the file declares them", () => {
    const source = [
      'const LIVE = `NOT o."test"`;',
      'const SCOPED = `o."shopId" = ${shopId}`;',
      'export const a = (shopId: number) => `SELECT * FROM "Order" o WHERE ${LIVE} AND ${SCOPED}`;',
      'export const b = () => `SELECT * FROM "Order" o WHERE ${LIVE}`;',
    ].join("\n");
    const units = sqlUnits("app/probe.ts", source, tables);
    expect(units.map((u) => [u.owner, unscoped(u.text)])).toEqual([
      ["a", []],
      ["b", ["Order"]],
    ]);
  });
});

describe("raw SQL in app/", () => {
  const findings = scanApp(tables);

  it("finds the codebase's statements (the scan is not vacuous)", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const units = appSourceFiles().flatMap((file) =>
      sqlUnits(path.relative(root, file), readFileSync(file, "utf8"), tables),
    );
    const files = new Set(units.map((u) => u.file));
    for (const file of [
      "app/admin/customers.server.ts",
      "app/compute/load-transactions.server.ts", // COPY texts and $queryRawUnsafe
      "app/compute/persist.server.ts", // pg client queries
      "app/segmentation/rule-fields.ts", // sql fragments
      "app/sync/write-records.server.ts",
    ])
      expect(files).toContain(file);
    const tablesSeen = new Set(units.flatMap((u) => tableReferences(u.text, tables).map((r) => r.table)));
    expect(tablesSeen.size).toBeGreaterThanOrEqual(15);
  });

  it("scopes every statement on a shop-owned table to one shop, or lists why not", () => {
    const unexpected = findings
      .filter((f) => !(`${f.file}#${f.owner}:${f.table}` in CROSS_SHOP))
      .map((f) => `${f.file}:${f.line} (${f.owner}) ${f.table}: …${f.excerpt}…`);
    expect(unexpected).toEqual([]);
  });

  it("lists no cross-shop statement that is gone", () => {
    const found = new Set(findings.map((f) => `${f.file}#${f.owner}:${f.table}`));
    expect(Object.keys(CROSS_SHOP).filter((key) => !found.has(key))).toEqual([]);
  });
});

/** A fragment's text with `$n` for its parameters, as its driver sends it. */
const textOf = (fragment: SqlFragment) => fragment.strings.reduce((text, part, i) => `${text}$${i}${part}`);

describe("the rule compiler's output (app/segmentation/rule-sql.ts)", () => {
  const env = { now: new Date("2026-11-01T00:00:00Z"), lookups: () => ["k1.hash"] };
  const sample = (field: ConditionField): RuleCondition[] => {
    const spec = fieldSpec(field);
    const value = spec.value === "number" ? 1 : spec.value === "segmentKey" ? "champions" : "Coffee";
    return spec.ops.flatMap((op) =>
      (spec.days === "none" ? [undefined] : spec.days === "optional" ? [undefined, 30] : [30]).map(
        (days) =>
          ({ field, op, value, ...(days ? { days } : {}), ...(spec.name ? { name: "Coffee" } : {}) }) as RuleCondition,
      ),
    );
  };

  it("reads tables at all (productType reads Order and Product)", () => {
    const condition = { field: "productType", op: "bought", value: "Coffee", days: 30 } as RuleCondition;
    const text = textOf(ruleSql(condition, env));
    expect(new Set(tableReferences(text, tables).map((r) => r.table))).toEqual(new Set(["Order", "Product"]));
  });

  it.each(Object.keys(FIELD_TABLE) as ConditionField[])(
    "scopes every table %s reads to the scored customer's shop",
    (field) => {
      for (const condition of sample(field)) {
        // ruleSql is a condition over CustomerScore s JOIN Customer c: any table it reads is tied to them.
        expect(unscoped(textOf(ruleSql(condition, env)))).toEqual([]);
        if (condition.field === "productType" || condition.field === "tag")
          expect(unscoped(textOf(customersMatchingSql(7, condition, env)))).toEqual([]);
      }
    },
  );
});
