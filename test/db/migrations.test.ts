import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, readMigrations } from "~/db/migrator.server";
import { expectedDatabase, parsePrismaSchema } from "./prisma-schema";

const schemaPath = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(() => client.end());

describe("migrations", () => {
  it("are recorded in _prisma_migrations the way Prisma records them", async () => {
    const migrations = await readMigrations();
    const { rows } = await client.query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(migrations[i].checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("apply again as a no-op", async () => {
    const result = await migrate(process.env.DATABASE_URL!);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied.length).toBeGreaterThan(0);
  });

  it("produce exactly the database schema.prisma describes", async () => {
    const expected = expectedDatabase(parsePrismaSchema(await readFile(schemaPath, "utf8")));

    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(tables.rows.map((r) => r.table_name).sort()).toEqual([...expected.tables].sort());

    const columns = await client.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
      numeric_precision: number | null;
      numeric_scale: number | null;
      datetime_precision: number | null;
    }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, numeric_precision, numeric_scale, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = columns.rows.map((c) => {
      let dataType = c.data_type;
      if (c.data_type === "USER-DEFINED") dataType = `enum:${c.udt_name}`;
      if (c.data_type === "numeric") dataType = `numeric(${c.numeric_precision},${c.numeric_scale})`;
      if (c.data_type === "ARRAY") dataType = `${c.udt_name === "_text" ? "text" : c.udt_name}[]`;
      if (c.data_type.startsWith("timestamp")) expect(c.datetime_precision, `${c.table_name}.${c.column_name}`).toBe(3);
      return { table: c.table_name, column: c.column_name, dataType, nullable: c.is_nullable === "YES" };
    });
    const byKey = (a: { table: string; column: string }, b: { table: string; column: string }) =>
      `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);
    expect(actual.sort(byKey)).toEqual([...expected.columns].sort(byKey));

    const indexes = await client.query<{ table: string; name: string; unique: boolean; columns: string[] }>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
       GROUP BY t.relname, i.relname, ix.indisunique`,
    );
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(indexes.rows.sort(byName)).toEqual([...expected.indexes].sort(byName));

    const fks = await client.query<{
      table: string;
      name: string;
      columns: string[];
      references: string;
      onDelete: string;
    }>(
      `SELECT c.conrelid::regclass::text AS table, c.conname AS name,
              array_agg(a.attname::text ORDER BY k.ord) AS columns, c.confrelid::regclass::text AS references,
              CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' ELSE c.confdeltype::text END AS "onDelete"
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.contype = 'f' GROUP BY c.conrelid, c.conname, c.confrelid, c.confdeltype`,
    );
    const strip = (s: string) => s.replaceAll('"', "");
    expect(
      fks.rows.map((f) => ({ ...f, table: strip(f.table), references: strip(f.references) })).sort(byName),
    ).toEqual([...expected.foreignKeys].sort(byName));

    const enums = await client.query<{ name: string; values: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    expect(new Map(enums.rows.map((e) => [e.name, e.values]))).toEqual(expected.enums);
  });
});
