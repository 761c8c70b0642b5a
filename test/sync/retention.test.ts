import { afterAll, describe, expect, it } from "vitest";
import { parseSettingsForm } from "~/admin/settings.server";
import db from "~/db.server";
import { DEFAULT_SETTINGS, orderRetentionCutoff } from "~/settings";
import { scheduleMaintenance } from "~/jobs/maintenance.server";
import { Queues } from "~/queues.server";
import { eraseShopData } from "~/sync/compliance.server";
import { applyOrderRetention, eraseUninstalledShops, purgeAppliedWebhooks } from "~/sync/retention.server";
import { shopOwnedTables } from "../architecture/shop-scope-scanner";
import { seedAnalysedShop } from "../helpers/seed-analysis";
import { uniqueQueuePrefix, uniqueShopDomain } from "../helpers/shops";

// Retention on our own schedule, at an explicit `now` (months before anything other test files
// write with the system clock, so their rows are never due here): uninstalled shops after 30
// days, applied inbox rows after 7, orders past a shop's "keep orders for N years".

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY);

/** Rows of the shop in every shop-owned table of schema.prisma, by table (non-zero only). */
async function footprint(shopId: number, domain: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, column] of shopOwnedTables()) {
    const rows = await db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "${table}" WHERE "${column}" = $1`,
      column === "shopId" ? shopId : domain,
    );
    if (rows[0].n > 0n) counts[table] = Number(rows[0].n);
  }
  return counts;
}

async function inboxRow(shopDomain: string, key: string, processedAt: Date | null, error: string | null = null) {
  return db.webhookEvent.create({
    data: {
      shopDomain,
      topic: "orders/create",
      eventKey: key,
      webhookId: key,
      payload: { id: 1, email: "someone@example.com" },
      receivedAt: processedAt ?? daysBefore(30),
      processedAt,
      error,
    },
  });
}

describe("uninstalled shops", () => {
  it("erases a shop 30 days after uninstall, keeps one uninstalled for less and installed or reinstalled ones", async () => {
    const [gone, recent, installed, reinstalled] = await Promise.all(
      ["gone", "recent", "installed", "back"].map((label) => seedAnalysedShop(uniqueShopDomain(label), 12, NOW)),
    );
    await db.shop.update({ where: { id: gone.shopId }, data: { uninstalledAt: daysBefore(30) } });
    await db.shop.update({ where: { id: recent.shopId }, data: { uninstalledAt: daysBefore(29) } });
    // Reinstalled: installing clears uninstalledAt.
    await db.shop.update({ where: { id: reinstalled.shopId }, data: { uninstalledAt: null } });
    await inboxRow(gone.domain, "gone-1", null);
    await db.complianceRequest.create({
      data: { shopDomain: gone.domain, topic: "customers/data_request", payload: {} },
    });
    const before = await footprint(gone.shopId, gone.domain);
    expect(before.Customer).toBe(12);
    expect(before.Order).toBeGreaterThan(12);
    expect(before.Membership).toBeGreaterThan(0);
    expect(before.WebhookEvent).toBe(1);
    const kept = await Promise.all([recent, installed, reinstalled].map((s) => footprint(s.shopId, s.domain)));

    // Batches of 7 rows: every table takes several statements.
    const erased = await eraseUninstalledShops(db, { now: NOW, batchSize: 7 });
    expect(erased).toEqual([gone.domain]);
    const record = await db.complianceRequest.findFirstOrThrow({
      where: { shopDomain: gone.domain, topic: "retention/shop" },
    });
    expect(record.result).toEqual({ erased: true });
    expect(await footprint(gone.shopId, gone.domain)).toEqual({ ComplianceRequest: 1 }); // the record alone
    expect(await db.shop.count({ where: { id: gone.shopId } })).toBe(0);
    expect(await Promise.all([recent, installed, reinstalled].map((s) => footprint(s.shopId, s.domain)))).toEqual(kept);

    // A day later the recent one is due too; the erased one is not erased twice.
    expect(await eraseUninstalledShops(db, { now: new Date(NOW.getTime() + DAY) })).toEqual([recent.domain]);
  });

  it("stops, keeping the Shop row, when the shop is reinstalled during the erasure", async () => {
    const shop = await seedAnalysedShop(uniqueShopDomain("midway"), 5, NOW);
    let asked = 0;
    const done = await eraseShopData(db, shop.domain, { stillErasing: async () => ++asked < 3 });
    expect(done).toBe(false);
    expect(await db.shop.count({ where: { id: shop.shopId } })).toBe(1);
    expect(await db.customer.count({ where: { shopId: shop.shopId } })).toBe(5); // stopped before the customers
  });
});

describe("applied webhook payloads", () => {
  it("are deleted 7 days after they were applied; unapplied rows and recent ones stay", async () => {
    const domain = uniqueShopDomain("inbox");
    await inboxRow(domain, "old", daysBefore(7.01));
    await inboxRow(domain, "unusable", daysBefore(10), "bad total"); // recorded as unusable: processedAt set
    const recent = await inboxRow(domain, "recent", daysBefore(6.99));
    const pending = await inboxRow(domain, "pending", null);
    const extra = await Promise.all([1, 2, 3, 4, 5].map((i) => inboxRow(domain, `old-${i}`, daysBefore(8 + i))));

    expect(await purgeAppliedWebhooks(db, { now: NOW, batchSize: 2 })).toBe(2 + extra.length);
    const left = await db.webhookEvent.findMany({ where: { shopDomain: domain }, select: { eventKey: true } });
    expect(left.map((r) => r.eventKey).sort()).toEqual([pending.eventKey, recent.eventKey].sort());
  });

  it("stop at the run's budget; the next run continues", async () => {
    const domain = uniqueShopDomain("budget");
    await Promise.all([1, 2, 3, 4, 5].map((i) => inboxRow(domain, `due-${i}`, daysBefore(8 + i))));
    expect(await purgeAppliedWebhooks(db, { now: NOW, batchSize: 1, budget: 2 })).toBe(2);
    expect(await db.webhookEvent.count({ where: { shopDomain: domain } })).toBe(3);
    expect(await purgeAppliedWebhooks(db, { now: NOW, batchSize: 2 })).toBe(3);
  });
});

describe("order retention", () => {
  it("deletes a shop's orders placed before now − N years, only where the merchant set N", async () => {
    const keeping = await seedAnalysedShop(uniqueShopDomain("keep2y"), 0, NOW);
    const unlimited = await seedAnalysedShop(uniqueShopDomain("keepall"), 0, NOW);
    await db.shop.update({ where: { id: keeping.shopId }, data: { settings: { orderRetentionYears: 2 } } });
    const cutoff = orderRetentionCutoff(NOW, 2);
    expect(cutoff.toISOString()).toBe("2024-06-01T12:00:00.000Z");
    const placed = {
      threeYears: new Date("2023-05-20T00:00:00Z"),
      justBefore: new Date(cutoff.getTime() - 1_000),
      justAfter: new Date(cutoff.getTime() + 1_000),
      lastMonth: daysBefore(30),
    };
    let next = 900_000_000n;
    for (const shopId of [keeping.shopId, unlimited.shopId])
      for (const processedAt of Object.values(placed))
        await db.order.create({
          data: {
            shopId,
            shopifyId: next++,
            processedAt,
            shopifyUpdatedAt: processedAt,
            currency: "USD",
            totalPrice: 10,
          },
        });

    expect(await applyOrderRetention(db, { now: NOW, batchSize: 1 })).toEqual({ [keeping.shopId]: 2 });
    const left = await db.order.findMany({ where: { shopId: keeping.shopId }, orderBy: { processedAt: "asc" } });
    expect(left.map((o) => o.processedAt)).toEqual([placed.justAfter, placed.lastMonth]);
    expect(await db.order.count({ where: { shopId: unlimited.shopId } })).toBe(4);
    // Nothing more is due at the same instant.
    expect(await applyOrderRetention(db, { now: NOW })).toEqual({});
  });
});

describe("the schedule", () => {
  const queues = new Queues({ redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("retention") });
  afterAll(() => queues.close());

  it("runs retention hourly from the maintenance queue", async () => {
    await scheduleMaintenance(queues);
    const schedulers = await queues.get("maintenance").getJobSchedulers(0, -1);
    const retention = schedulers.find((s) => s.key === "retention");
    expect(retention?.every).toBe(3_600_000);
    expect(schedulers.map((s) => s.key).sort()).toEqual(["retention", "sweep-inbox"]);
  });
});

describe("the order retention setting", () => {
  const form = (value?: string) => {
    const data = new FormData();
    if (value !== undefined) data.set("orderRetentionYears", value);
    return parseSettingsForm(data);
  };

  it("is off unless the merchant enters a whole number of years from 1 to 50", () => {
    expect(DEFAULT_SETTINGS.orderRetentionYears).toBeNull();
    expect(form().settings.orderRetentionYears).toBeNull();
    expect(form("").settings.orderRetentionYears).toBeNull();
    expect(form("3").settings.orderRetentionYears).toBe(3);
    expect(form("3").errors.orderRetentionYears).toBeUndefined();
    for (const bad of ["0", "1.5", "51", "-2", "abc"]) expect(form(bad).errors.orderRetentionYears).toBeDefined();
  });
});
