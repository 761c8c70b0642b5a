import type { Db } from "~/db.server";
import { env } from "~/env.server";
import type { JobData, QueueName, Queues } from "~/queues.server";
import { shopSettings } from "~/settings";

// Queueing work for the workers: the producers' side only (app/jobs/ runs the jobs).
// Compute scheduling: one compute per shop at a time, queued computes collapse into one,
// a daily full recompute in the shop's timezone, and a debounced re-score per customer.

/**
 * Queues a job that collapses with others of its purpose (a shop's compute, a customer's
 * re-score, a shop's push). One queued while another is still waiting merges into it, since
 * that one reads the latest data when it runs. One queued while another is running is kept and
 * runs after it (BullMQ's keepLastIfActive): the running one may have read the data before the
 * change. (A plain job id would drop it, and the change would wait for the next full compute.)
 */
async function enqueueCollapsing<N extends QueueName>(
  queues: Queues,
  name: N,
  key: string,
  data: JobData[N],
  options: { delay: number; priority?: number },
) {
  await releaseStaleKey(queues, name, key);
  await queues.enqueue(name, data, {
    ...options,
    deduplication: { id: key, keepLastIfActive: true },
    removeOnComplete: true,
    removeOnFail: true,
  });
}

/**
 * Such keys live until their job finishes; a job that ended another way (failed by the stalled
 * checker after a worker died, removed by hand) leaves its key behind, and every later job of
 * that purpose would collapse into a job that no longer exists. Release such a key first.
 */
async function releaseStaleKey(queues: Queues, name: QueueName, key: string) {
  const queue = queues.get(name);
  const holder = await queue.getDeduplicationJobId(key);
  if (!holder) return;
  const state = await queue.getJobState(holder);
  if (state === "unknown" || state === "completed" || state === "failed") await queue.removeDeduplicationKey(key);
}

export const computeJobKey = (shopId: number) => `compute-${shopId}`;
export const rescoreJobKey = (shopId: number, customerShopifyId: bigint) => `score-${shopId}-${customerShopifyId}`;
export const pushJobKey = (shopId: number) => `push-${shopId}`;

/** Queues a full recompute; while one is already waiting for this shop, this is a no-op. */
export async function enqueueCompute(queues: Queues, shopId: number, trigger: string) {
  await enqueueCollapsing(queues, "compute", computeJobKey(shopId), { shopId, trigger }, { delay: 0 });
}

/** A customer's orders changed: re-score them once the debounce window closes. */
export async function enqueueRescore(queues: Queues, shopId: number, customerShopifyId: bigint) {
  const data = { shopId, customerId: customerShopifyId.toString() };
  await enqueueCollapsing(queues, "score", rescoreJobKey(shopId, customerShopifyId), data, {
    delay: env().scoreDebounceMs,
  });
}

/**
 * Reads the tags and data sale opt-out of the shop's customers marked `privacyCheckDue` from
 * Shopify, debounced like a re-score, so the echoes of one push cost a few queries, not one each.
 */
export async function enqueuePrivacyCheck(queues: Queues, shopId: number) {
  await enqueueCollapsing(
    queues,
    "maintenance",
    `privacy-${shopId}`,
    { task: "privacy-check", shopId },
    {
      delay: env().scoreDebounceMs,
    },
  );
}

/**
 * Re-reads the products of the shop's collections marked `membershipsDue` (collections/* webhooks
 * list none), debounced like a re-score, so a burst of collection edits costs one pass.
 */
export async function enqueueCollectionMemberships(queues: Queues, shopId: number) {
  await enqueueCollapsing(
    queues,
    "maintenance",
    `collections-${shopId}`,
    { task: "collection-memberships", shopId },
    { delay: env().scoreDebounceMs },
  );
}

/**
 * Reads the shop's plan from its active subscriptions (app/billing/plan-check.server.ts) at once;
 * checks queued while one waits collapse into it, one queued while it runs runs after it.
 */
export async function enqueuePlanCheck(queues: Queues, shopId: number) {
  await enqueueCollapsing(queues, "maintenance", `plan-${shopId}`, { task: "plan-check", shopId }, { delay: 0 });
}

/**
 * Queues a plan check for every installed shop whose plan was never read (installed before
 * pricing, or its check lost), at worker start: until then such a shop reads as the Pro plan.
 */
export async function queueUncheckedPlanChecks(db: Db, queues: Queues): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const shops = await db.shop.findMany({
      where: { uninstalledAt: null, appPlanCheckedAt: null, id: { gt: after } },
      select: { id: true },
      orderBy: { id: "asc" },
      take: 500,
    });
    if (shops.length === 0) return count;
    for (const shop of shops) await enqueuePlanCheck(queues, shop.id);
    count += shops.length;
    after = shops.at(-1)!.id;
  }
}

/** The job queued or running under a collapsing key, if any (for status checks and tests). */
export async function collapsedJob(queues: Queues, name: QueueName, key: string) {
  const queue = queues.get(name);
  const id = await queue.getDeduplicationJobId(key);
  return id ? queue.getJob(id) : undefined;
}

/**
 * BullMQ priorities of pushes (1 runs first). A push after re-scored customers ("dynamic") sends
 * a few customers' changes: it goes ahead of the full pushes other shops' computes queued, so
 * a burst of those (many shops computing) cannot hold a small shop's new order back for minutes.
 */
const PUSH_PRIORITY = { dynamic: 1, full: 10 };

/** Queues a push of what changed; pushes queued within a few seconds collapse into one. */
export async function enqueuePush(queues: Queues, shopId: number, trigger: string) {
  const priority = trigger === "dynamic" ? PUSH_PRIORITY.dynamic : PUSH_PRIORITY.full;
  await enqueueCollapsing(queues, "push", pushJobKey(shopId), { shopId, trigger }, { delay: 2_000, priority });
}

/** The daily full recompute at the merchant's chosen hour, in the shop's time zone. */
export async function scheduleDailyCompute(queues: Queues, shop: { id: number; timezone: string; settings: unknown }) {
  const settings = shopSettings(shop.settings);
  await queues
    .get("compute")
    .upsertJobScheduler(
      `compute-daily-${shop.id}`,
      { pattern: `0 ${settings.recomputeHour} * * *`, tz: settings.timezone ?? shop.timezone },
      { name: "compute", data: { shopId: shop.id, trigger: "schedule" } },
    );
}

/**
 * Registers every installed shop's daily compute again (idempotent), at worker start: the
 * schedules live in Redis, which may have lost them (flushed, replaced, or keys moved on upgrade).
 */
export async function scheduleAllDailyComputes(db: Db, queues: Queues): Promise<number> {
  let count = 0;
  for (let after = 0; ;) {
    const shops = await db.shop.findMany({
      where: { uninstalledAt: null, id: { gt: after } },
      select: { id: true, timezone: true, settings: true },
      orderBy: { id: "asc" },
      take: 500,
    });
    if (shops.length === 0) return count;
    for (const shop of shops) await scheduleDailyCompute(queues, shop);
    count += shops.length;
    after = shops.at(-1)!.id;
  }
}

export async function unscheduleShop(queues: Queues, shopId: number) {
  await queues.get("compute").removeJobScheduler(`compute-daily-${shopId}`);
}
