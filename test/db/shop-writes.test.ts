import { afterAll, beforeEach, describe, expect, it } from "vitest";
import db from "~/db.server";
import { ShopGoneError, writeConcurrently, type ShopWrite } from "~/db/shop-writes.server";
import { uniqueShopDomain } from "../helpers/shops";

// Memberships, their events and scores have no foreign keys (issue 14: the per-row checks cost
// more than the rows). What the keys guaranteed must still hold: rows go with their shop or customer, a shop
// cannot lose its rows to a write in flight, and a write stops once the shop is gone.

let shopId: number;
const customerIds: bigint[] = [];

beforeEach(async () => {
  const shop = await db.shop.create({ data: { domain: uniqueShopDomain("shop-writes") } });
  shopId = shop.id;
  customerIds.length = 0;
  for (let i = 1; i <= 3; i++) {
    const customer = await db.customer.create({ data: { shopId, shopifyId: BigInt(i) } });
    customerIds.push(customer.id);
  }
});
afterAll(() => db.$disconnect());

/** A write that adds one membership and its entry event for customer `c` in segment `key`. */
const enter =
  (c: bigint, key: string, shop = shopId): ShopWrite =>
  async (client) => {
    const result = await client.query(
      `WITH added AS (INSERT INTO "Membership" ("shopId", "customerId", "segmentKey") VALUES ($1, $2, $3) RETURNING *)
       INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered") SELECT $1, 1, $2, $3, true FROM added`,
      [shop, c.toString(), key],
    );
    return result.rowCount ?? 0;
  };

/** A write that stores a score for customer `c`. */
const score =
  (c: bigint, shop = shopId): ShopWrite =>
  async (client) => {
    const result = await client.query(
      `INSERT INTO "CustomerScore" ("shopId", "customerId", "orderCount", "totalSpent", "r", "f", "m", "rfmSegment", "explanation")
       VALUES ($1, $2, 1, 10, 1, 1, 1, 'new', '')`,
      [shop, c.toString()],
    );
    return result.rowCount ?? 0;
  };

const counts = async (id = shopId) => ({
  memberships: await db.membership.count({ where: { shopId: id } }),
  events: await db.membershipEvent.count({ where: { shopId: id } }),
  scores: await db.customerScore.count({ where: { shopId: id } }),
});

describe("writes of a shop's memberships", () => {
  it("spread over two connections and all commit", async () => {
    const pids = new Set<number>();
    const writes = Array.from({ length: 12 }, (_, i): ShopWrite => async (client) => {
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(0.02)");
      pids.add(rows[0].pid);
      return enter(customerIds[i % 3], `segment-${i}`)(client);
    });
    expect(await writeConcurrently(db, shopId, writes)).toEqual(writes.map(() => 1));
    expect(pids.size).toBe(2);
    expect(await counts()).toEqual({ memberships: 12, events: 12, scores: 0 });
  });

  it("roll back on both connections when one write fails", async () => {
    const writes: ShopWrite[] = [
      enter(customerIds[0], "a"),
      enter(customerIds[1], "a"),
      async (client) => {
        await client.query("SELECT pg_sleep(0.05)");
        throw new Error("disk full");
      },
      enter(customerIds[2], "a"),
    ];
    await expect(writeConcurrently(db, shopId, writes)).rejects.toThrow("disk full");
    expect(await counts()).toEqual({ memberships: 0, events: 0, scores: 0 });
  });

  it("are refused once the shop is deleted", async () => {
    await db.shop.delete({ where: { id: shopId } });
    await expect(writeConcurrently(db, shopId, [enter(customerIds[0], "a")])).rejects.toBeInstanceOf(ShopGoneError);
    expect(await counts()).toEqual({ memberships: 0, events: 0, scores: 0 });
  });

  it("hold a shop's deletion back until they commit, and the deletion then takes their rows", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const writing = writeConcurrently(
      db,
      shopId,
      [
        async (client) => {
          const n = await enter(customerIds[0], "a")(client);
          wrote();
          await held;
          return n;
        },
      ],
      1,
    );
    await written;
    let deleted = false;
    const deleting = db.shop.delete({ where: { id: shopId } }).then(() => (deleted = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deleted, "the shop was deleted while its memberships were being written").toBe(false);
    release();
    await writing;
    await deleting;
    expect(await counts()).toEqual({ memberships: 0, events: 0, scores: 0 });
  });

  it("go with their shop, and memberships and scores with their customer, leaving other shops' rows", async () => {
    const other = await db.shop.create({ data: { domain: uniqueShopDomain("shop-writes-other") } });
    const otherCustomer = await db.customer.create({ data: { shopId: other.id, shopifyId: 1n } });
    await writeConcurrently(db, shopId, [
      enter(customerIds[0], "a"),
      enter(customerIds[1], "a"),
      enter(customerIds[1], "b"),
      score(customerIds[0]),
      score(customerIds[1]),
    ]);
    await writeConcurrently(db, other.id, [enter(otherCustomer.id, "a", other.id), score(otherCustomer.id, other.id)]);

    await db.customer.delete({ where: { shopId_id: { shopId, id: customerIds[1] } } });
    expect(await db.membership.findMany({ where: { shopId }, select: { customerId: true } })).toEqual([
      { customerId: customerIds[0] },
    ]);
    expect(await db.customerScore.findMany({ where: { shopId }, select: { customerId: true } })).toEqual([
      { customerId: customerIds[0] },
    ]);
    expect((await counts()).events, "events are history: they stay until the shop goes").toBe(3);

    await db.shop.delete({ where: { id: shopId } });
    expect(await counts()).toEqual({ memberships: 0, events: 0, scores: 0 });
    expect(await counts(other.id)).toEqual({ memberships: 1, events: 1, scores: 1 });
    await db.shop.delete({ where: { id: other.id } });
  });
});
