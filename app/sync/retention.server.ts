import type { Db } from "~/db.server";
import { orderRetentionCutoff, shopSettings } from "~/settings";
import { ERASE_BATCH_ROWS, eraseShopData } from "./compliance.server";

// Retention: what we delete on our own schedule (the maintenance queue's "retention" task, hourly),
// whatever Shopify sends. Times compare with the system clock (`now`), as uninstalledAt and
// processedAt are written with it; never the business clock (SEGMENTS_NOW).

const DAY_MS = 86_400_000;

/**
 * An uninstalled shop's data is erased this many days after `uninstalledAt`, even if shop/redact
 * (which Shopify sends 48 hours after the uninstall) never arrives. Reinstalling within the
 * window keeps everything (the reinstall catches up, docs/sync.md).
 */
export const UNINSTALLED_SHOP_RETENTION_DAYS = 30;

/**
 * Applied inbox rows (raw webhook payloads: customers' names, emails, addresses) are deleted this
 * many days after they were applied (or recorded as unusable). The row is also the replay guard
 * (unique on shop, topic and event id), but Shopify retries a delivery for at most 48 hours
 * (8 times over 4 hours for ordinary topics), so a week after it was applied no replay can come;
 * a duplicate would converge anyway (docs/sync.md, apply rules). Rows never applied are kept: the
 * sweeper still owes them an apply.
 */
export const APPLIED_WEBHOOK_RETENTION_DAYS = 7;

/** Access log entries (who viewed or exported customer data) are kept this many days. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/** The most rows one retention run deletes per kind (uninstalled shops, inbox, orders); the next run continues. */
export const RETENTION_RUN_BUDGET = 1_000_000;

export interface RetentionOptions {
  now?: Date;
  batchSize?: number;
  budget?: number;
}

export interface RetentionResult {
  /** Domains of the uninstalled shops whose data was erased. */
  erasedShops: string[];
  webhookEventsPurged: number;
  /** Orders deleted by each shop's order retention, by shop id. */
  ordersDeleted: Record<number, number>;
  accessLogPurged: number;
}

/** Everything retention deletes, in one run. */
export async function runRetention(db: Db, options: RetentionOptions = {}): Promise<RetentionResult> {
  return {
    erasedShops: await eraseUninstalledShops(db, options),
    webhookEventsPurged: await purgeAppliedWebhooks(db, options),
    ordersDeleted: await applyOrderRetention(db, options),
    accessLogPurged: await purgeOldAccessLog(db, options),
  };
}

/**
 * (a) Erases every shop uninstalled for longer than UNINSTALLED_SHOP_RETENTION_DAYS with the
 * shop/redact erasure, and records it (ComplianceRequest, topic "retention/shop"). A shop
 * reinstalled while it runs is left alone from the next table on.
 */
export async function eraseUninstalledShops(db: Db, options: RetentionOptions = {}): Promise<string[]> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - UNINSTALLED_SHOP_RETENTION_DAYS * DAY_MS);
  const due = await db.shop.findMany({
    where: { uninstalledAt: { lte: cutoff } },
    select: { id: true, domain: true, uninstalledAt: true },
    orderBy: { uninstalledAt: "asc" },
  });
  const erased: string[] = [];
  for (const shop of due) {
    const stillUninstalled = async () =>
      (await db.shop.count({ where: { id: shop.id, uninstalledAt: { lte: cutoff } } })) > 0;
    const done = await eraseShopData(db, shop.domain, {
      batchSize: options.batchSize,
      stillErasing: stillUninstalled,
    });
    if (!done) continue;
    await db.complianceRequest.create({
      data: {
        shopDomain: shop.domain,
        topic: "retention/shop",
        payload: { uninstalledAt: shop.uninstalledAt!.toISOString(), retentionDays: UNINSTALLED_SHOP_RETENTION_DAYS },
        result: { erased: true },
        completedAt: now,
      },
    });
    erased.push(shop.domain);
  }
  return erased;
}

/** (b) Deletes inbox rows applied more than APPLIED_WEBHOOK_RETENTION_DAYS ago, in batches. */
export async function purgeAppliedWebhooks(db: Db, options: RetentionOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - APPLIED_WEBHOOK_RETENTION_DAYS * DAY_MS);
  const batchSize = options.batchSize ?? ERASE_BATCH_ROWS;
  const budget = options.budget ?? RETENTION_RUN_BUDGET;
  let purged = 0;
  while (purged < budget) {
    // Every shop's rows at once: a sweep by age over the (processedAt, receivedAt) index.
    const count = await db.$executeRaw`
      DELETE FROM "WebhookEvent" WHERE ("shopDomain", "id") IN (
        SELECT "shopDomain", "id" FROM "WebhookEvent"
        WHERE "processedAt" IS NOT NULL AND "processedAt" < ${cutoff}
        ORDER BY "processedAt" LIMIT ${batchSize})`;
    purged += count;
    if (count < batchSize) break;
  }
  return purged;
}

/**
 * (c) Deletes, for each installed shop with an order retention setting ("keep orders for N
 * years"; default: none, orders are kept), its orders placed (processedAt) before now − N
 * years, in batches. Scores follow at the shop's next compute. (A back-fill does not store them
 * in the first place: app/sync/backfill.server.ts.)
 */
export async function applyOrderRetention(db: Db, options: RetentionOptions = {}): Promise<Record<number, number>> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? ERASE_BATCH_ROWS;
  const budget = options.budget ?? RETENTION_RUN_BUDGET;
  const shops = await db.$queryRaw<{ id: number; settings: unknown }[]>`
    SELECT "id", "settings" FROM "Shop"
    WHERE "uninstalledAt" IS NULL AND jsonb_typeof("settings"->'orderRetentionYears') = 'number'
    ORDER BY "id"`;
  const deleted: Record<number, number> = {};
  let total = 0;
  for (const shop of shops) {
    const years = shopSettings(shop.settings).orderRetentionYears;
    if (!years) continue;
    const cutoff = orderRetentionCutoff(now, years);
    let count = 0;
    while (total < budget) {
      const n = await db.$executeRaw`
        DELETE FROM "Order" WHERE "shopId" = ${shop.id} AND "id" IN (
          SELECT "id" FROM "Order" WHERE "shopId" = ${shop.id} AND "processedAt" < ${cutoff}
          ORDER BY "processedAt" LIMIT ${batchSize})`;
      count += n;
      total += n;
      if (n < batchSize) break;
    }
    if (count > 0) deleted[shop.id] = count;
  }
  return deleted;
}

/** Deletes access log entries older than ACCESS_LOG_RETENTION_DAYS, every shop's, in batches. */
export async function purgeOldAccessLog(db: Db, options: RetentionOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - ACCESS_LOG_RETENTION_DAYS * DAY_MS);
  const batchSize = options.batchSize ?? ERASE_BATCH_ROWS;
  const budget = options.budget ?? RETENTION_RUN_BUDGET;
  let purged = 0;
  while (purged < budget) {
    const count = await db.$executeRaw`
      DELETE FROM "AccessLogEntry" WHERE ("shopId", "id") IN (
        SELECT "shopId", "id" FROM "AccessLogEntry" WHERE "at" < ${cutoff} ORDER BY "at" LIMIT ${batchSize})`;
    purged += count;
    if (count < batchSize) break;
  }
  return purged;
}
