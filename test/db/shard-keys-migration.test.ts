import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase, migrate, readMigrations } from "~/db/migrator.server";

// The shard-key migration rewrites primary and foreign keys of tables that hold data in
// production: it must apply to a populated database and leave existing rows working (same ids,
// cascades, upserts on the new keys).

const MIGRATION = "20261204100000_shard_keys";
const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");
const testUrl = new URL(process.env.DATABASE_URL!);
// A database of its own (dropped afterwards), named after the test database so runs never collide.
const url = new URL(testUrl);
url.pathname = `/${testUrl.pathname.slice(1).replace(/_test$/, "")}_shardkeys_test`;
let client: pg.Client;
let before: string;

async function dropDatabase() {
  const admin = new URL(testUrl);
  admin.pathname = "/postgres";
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
  await c.end();
}

beforeAll(async () => {
  await dropDatabase();
  await ensureDatabase(url.toString());
  // The migrations before this one, as a directory of their own.
  before = await mkdtemp(path.join(tmpdir(), "migrations-"));
  for (const m of await readMigrations()) {
    if (m.name < MIGRATION) await cp(path.join(MIGRATIONS_DIR, m.name), path.join(before, m.name), { recursive: true });
  }
  await migrate(url.toString(), before);
  client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await dropDatabase();
  await rm(before, { recursive: true, force: true });
});

const count = async (table: string, where = "TRUE") =>
  Number((await client.query(`SELECT COUNT(*)::int AS n FROM "${table}" WHERE ${where}`)).rows[0].n);

describe(`migration ${MIGRATION}`, () => {
  it("applies to a populated database; rows keep their ids, cascades and upserts work on the new keys", async () => {
    // Two shops, each with customers and everything that hangs off a customer.
    const shops: { shopId: number; customerId: string }[] = [];
    for (const domain of ["a.myshopify.com", "b.myshopify.com"]) {
      const {
        rows: [shop],
      } = await client.query(`INSERT INTO "Shop" ("domain", "updatedAt") VALUES ($1, now()) RETURNING id`, [domain]);
      const {
        rows: [customer],
      } = await client.query(
        `INSERT INTO "Customer" ("shopId", "shopifyId", "updatedAt") VALUES ($1, 1, now()), ($1, 2, now()) RETURNING id`,
        [shop.id],
      );
      const c = customer.id as string;
      await client.query(`INSERT INTO "Membership" ("shopId", "customerId", "segmentKey") VALUES ($1, $2, 'vip')`, [
        shop.id,
        c,
      ]);
      await client.query(
        `INSERT INTO "CustomerScore" ("customerId", "shopId", "orderCount", "totalSpent", "r", "f", "m", "rfmSegment", "explanation")
         VALUES ($2, $1, 1, 10, 1, 1, 1, 'new', '')`,
        [shop.id, c],
      );
      await client.query(`INSERT INTO "PushedTag" ("shopId", "customerId", "tag") VALUES ($1, $2, 'seg:vip')`, [
        shop.id,
        c,
      ]);
      await client.query(
        `INSERT INTO "PushedMetafields" ("shopId", "customerId", "values") VALUES ($1, $2, '{"a":1}')`,
        [shop.id, c],
      );
      await client.query(
        `INSERT INTO "Order" ("shopId", "shopifyId", "processedAt", "shopifyUpdatedAt", "currency", "totalPrice", "updatedAt")
         VALUES ($1, 7, now(), now(), 'USD', 10, now())`,
        [shop.id],
      );
      await client.query(`INSERT INTO "Run" ("shopId", "kind") VALUES ($1, 'COMPUTE')`, [shop.id]);
      await client.query(
        `INSERT INTO "WebhookEvent" ("shopDomain", "topic", "eventKey", "webhookId", "payload") VALUES ($1, 'orders/create', 'e1', 'w1', '{}')`,
        [domain],
      );
      shops.push({ shopId: shop.id, customerId: c });
    }
    const idsBefore = (await client.query(`SELECT id FROM "Customer" ORDER BY id`)).rows;

    const result = await migrate(url.toString());
    expect(result.applied).toContain(MIGRATION);

    expect((await client.query(`SELECT id FROM "Customer" ORDER BY id`)).rows).toEqual(idsBefore);
    const [a, b] = shops;
    for (const table of ["Membership", "CustomerScore", "PushedTag", "PushedMetafields"]) {
      expect(await count(table), table).toBe(2);
    }
    // Upserts on the new keys find the existing rows.
    await client.query(
      `INSERT INTO "PushedMetafields" ("shopId", "customerId", "values") VALUES ($1, $2, '{"b":2}')
       ON CONFLICT ("shopId", "customerId") DO UPDATE SET "values" = "PushedMetafields"."values" || EXCLUDED."values"`,
      [a.shopId, a.customerId],
    );
    expect(
      (await client.query(`SELECT "values" FROM "PushedMetafields" WHERE "customerId" = $1`, [a.customerId])).rows[0]
        .values,
    ).toEqual({ a: 1, b: 2 });
    // A row pointing at another shop's customer is refused now (Membership's and CustomerScore's
    // keys were dropped later, for write speed; PushedTag keeps its own).
    await expect(
      client.query(`INSERT INTO "PushedTag" ("shopId", "customerId", "tag") VALUES ($1, $2, 'x')`, [
        b.shopId,
        a.customerId,
      ]),
    ).rejects.toThrow(/foreign key/);
    // Deleting a customer still cascades to its rows, and only to its rows.
    await client.query(`DELETE FROM "Customer" WHERE "shopId" = $1 AND id = $2`, [a.shopId, a.customerId]);
    for (const table of ["Membership", "CustomerScore", "PushedTag", "PushedMetafields"]) {
      expect(await count(table, `"shopId" = ${a.shopId}`), table).toBe(0);
      expect(await count(table, `"shopId" = ${b.shopId}`), table).toBe(1);
    }
    // New rows keep drawing ids from the same sequences.
    const {
      rows: [next],
    } = await client.query(`INSERT INTO "Run" ("shopId", "kind") VALUES ($1, 'PUSH') RETURNING id`, [b.shopId]);
    expect(Number(next.id)).toBe(3);
    // Deleting a shop cascades through everything.
    await client.query(`DELETE FROM "Shop" WHERE id = $1`, [b.shopId]);
    for (const table of ["Customer", "Membership", "CustomerScore", "PushedTag", "PushedMetafields", "Order", "Run"]) {
      expect(await count(table, `"shopId" = ${b.shopId}`), table).toBe(0);
    }
  });
});
