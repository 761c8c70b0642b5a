import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The schema stays shardable by shop for Citus (docs/scaling.md): every shop-owned table can be
// distributed on its shop column, which Citus only allows when that column is part of the primary
// key and of every unique constraint, and when foreign keys between distributed tables include it
// (so both rows live on the same shard). Tables with neither shop column must be listed here as
// reference tables (small, global, copied to every node), so a new table cannot slip through
// unclassified.

/** Global tables, replicated to every Citus node, and why they are not distributed. */
const REFERENCE_TABLES: Record<string, string> = {
  // The tenants themselves: looked up by domain (unique across shops) on every webhook and request.
  Shop: "tenant directory, unique by domain",
  // Shopify's session storage looks sessions up by Shopify's session id alone (loadSession(id)),
  // so a shop-distributed Session would fan out on every request; it holds a few rows per shop.
  Session: "looked up by Shopify's session id, without the shop",
};

/** The column a shop-owned table is distributed on: shopId, else the shop's domain for rows that arrive before (or after) the shop exists. */
const DISTRIBUTION_COLUMNS = ["shopId", "shopDomain"];

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(() => client.end());

interface Column {
  table: string;
  column: string;
  nullable: boolean;
  type: string;
}

async function columns(): Promise<Column[]> {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    is_nullable: string;
    udt_name: string;
  }>(
    `SELECT table_name, column_name, is_nullable, udt_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
  );
  return rows.map((r) => ({
    table: r.table_name,
    column: r.column_name,
    nullable: r.is_nullable === "YES",
    type: r.udt_name,
  }));
}

/** Each table's distribution column, or undefined for a reference table. */
async function distribution(): Promise<Map<string, string | undefined>> {
  const byTable = new Map<string, Column[]>();
  for (const c of await columns()) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  return new Map(
    [...byTable].map(([table, cols]) => [table, DISTRIBUTION_COLUMNS.find((d) => cols.some((c) => c.column === d))]),
  );
}

describe("the schema is shardable by shop (Citus)", () => {
  it("classifies every table: distributed on shopId or shopDomain, or one of the listed reference tables", async () => {
    const tables = await distribution();
    const unclassified = [...tables]
      .filter(([table, column]) => !column && !(table in REFERENCE_TABLES))
      .map(([t]) => t);
    expect(unclassified, "tables with no shop column that are not reference tables").toEqual([]);
    for (const table of Object.keys(REFERENCE_TABLES)) expect(tables.has(table), `${table} exists`).toBe(true);
    // Sanity: the shop-owned tables this test is about are found as such.
    expect(tables.get("Customer")).toBe("shopId");
    expect(tables.get("WebhookEvent")).toBe("shopDomain");
    expect([...tables.values()].filter((c) => c === "shopId").length).toBeGreaterThanOrEqual(12);
  });

  it("the distribution column is never null, and shopId has one type everywhere (so shards colocate)", async () => {
    const tables = await distribution();
    const cols = (await columns()).filter((c) => tables.get(c.table) === c.column && !(c.table in REFERENCE_TABLES));
    expect(cols.filter((c) => c.nullable).map((c) => `${c.table}.${c.column}`)).toEqual([]);
    expect(new Set(cols.filter((c) => c.column === "shopId").map((c) => c.type))).toEqual(new Set(["int4"]));
  });

  it("every primary key and unique index of a shop-owned table includes its distribution column", async () => {
    const tables = await distribution();
    const { rows } = await client.query<{ table: string; name: string; primary: boolean; columns: string[] }>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisprimary AS primary,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND ix.indisunique AND t.relname <> '_prisma_migrations'
       GROUP BY t.relname, i.relname, ix.indisprimary`,
    );
    const shopOwned = rows.filter((r) => tables.get(r.table));
    // Every shop-owned table has a primary key.
    const withPk = new Set(shopOwned.filter((r) => r.primary).map((r) => r.table));
    expect([...tables].filter(([t, c]) => c && !withPk.has(t)).map(([t]) => t)).toEqual([]);
    const offending = shopOwned.filter((r) => !r.columns.includes(tables.get(r.table)!));
    expect(offending.map((r) => `${r.name} (${r.columns.join(", ")})`)).toEqual([]);
  });

  it("every foreign key between shop-owned tables joins on the shop column (colocated rows)", async () => {
    const tables = await distribution();
    const { rows } = await client.query<{ name: string; table: string; references: string; pairs: [string, string][] }>(
      `SELECT c.conname AS name, src.relname AS table, dst.relname AS references,
              array_agg(ARRAY[sa.attname::text, da.attname::text] ORDER BY k.ord) AS pairs
       FROM pg_constraint c
       JOIN pg_class src ON src.oid = c.conrelid
       JOIN pg_class dst ON dst.oid = c.confrelid
       CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(src_att, dst_att, ord)
       JOIN pg_attribute sa ON sa.attrelid = c.conrelid AND sa.attnum = k.src_att
       JOIN pg_attribute da ON da.attrelid = c.confrelid AND da.attnum = k.dst_att
       WHERE c.contype = 'f' AND src.relnamespace = 'public'::regnamespace
       GROUP BY c.conname, src.relname, dst.relname`,
    );
    // Postgres gives a 2-D array back as nested arrays.
    const between = rows.filter((r) => tables.get(r.table) && tables.get(r.references));
    // PushedTag and PushedMetafields → Customer (Membership's and CustomerScore's were dropped for
    // write speed: RELATIONS_WITHOUT_FOREIGN_KEY).
    expect(
      between.length,
      "foreign keys between shop-owned tables exist (Customer's dependants)",
    ).toBeGreaterThanOrEqual(2);
    const offending = between.filter(
      (r) => !r.pairs.some(([from, to]) => from === tables.get(r.table) && to === tables.get(r.references)),
    );
    expect(
      offending.map((r) => `${r.name}: ${r.table}(${r.pairs.map((p) => p[0]).join(", ")}) → ${r.references}`),
    ).toEqual([]);
    // Foreign keys to global tables point at reference tables only.
    const toGlobal = rows.filter((r) => !tables.get(r.references)).map((r) => r.references);
    for (const target of toGlobal) expect(Object.keys(REFERENCE_TABLES)).toContain(target);
  });
});
