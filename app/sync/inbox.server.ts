import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";

// The webhook inbox: a delivery is stored (deduplicated on Shopify's event id) inside the
// request, then applied by the "ingest" queue. If Redis is down when the request arrives the row
// still exists and the sweeper enqueues it later, so an acknowledged webhook is never lost.

export interface IncomingWebhook {
  shopDomain: string;
  topic: string;
  webhookId: string;
  eventId?: string;
  apiVersion?: string;
  triggeredAt?: string;
  payload: unknown;
}

const eventKeyOf = (hook: IncomingWebhook) => hook.eventId || hook.webhookId;
const dedupeKey = (shopDomain: string, topic: string, eventKey: string) => `${shopDomain}\u0000${topic}\u0000${eventKey}`;

/**
 * Stores deliveries in one statement; returns each one's new row id, or undefined for a
 * duplicate (already stored, or repeated within the batch).
 */
export async function storeWebhooks(db: Db, hooks: IncomingWebhook[]): Promise<(bigint | undefined)[]> {
  if (hooks.length === 0) return [];
  const triggeredAt = (hook: IncomingWebhook) =>
    hook.triggeredAt && !Number.isNaN(Date.parse(hook.triggeredAt)) ? new Date(hook.triggeredAt).toISOString() : null;
  const rows = await db.$queryRaw<{ id: bigint; shopDomain: string; topic: string; eventKey: string }[]>`
    INSERT INTO "WebhookEvent" ("shopDomain", "topic", "eventKey", "webhookId", "apiVersion", "triggeredAt", "payload")
    SELECT * FROM unnest(
      ${hooks.map((h) => h.shopDomain)}::text[], ${hooks.map((h) => h.topic)}::text[], ${hooks.map(eventKeyOf)}::text[],
      ${hooks.map((h) => h.webhookId)}::text[], ${hooks.map((h) => h.apiVersion ?? null)}::text[],
      ${hooks.map(triggeredAt)}::timestamp(3)[], ${hooks.map((h) => JSON.stringify(h.payload))}::jsonb[])
    ON CONFLICT ("shopDomain", "topic", "eventKey") DO NOTHING
    RETURNING "id", "shopDomain", "topic", "eventKey"`;
  const ids = new Map(rows.map((r) => [dedupeKey(r.shopDomain, r.topic, r.eventKey), r.id]));
  return hooks.map((hook) => {
    const key = dedupeKey(hook.shopDomain, hook.topic, eventKeyOf(hook));
    const id = ids.get(key);
    ids.delete(key); // a repeat within the same batch is a duplicate too
    return id;
  });
}

export const ingestJobId = (webhookEventId: bigint | string) => `wh-${webhookEventId}`;

/** Queues rows for the ingest worker; gives up after `timeoutMs` (Redis down) so a request never hangs. */
export async function enqueueIngest(queues: Queues, webhookEventIds: bigint | bigint[], timeoutMs = 2_000): Promise<void> {
  const ids = Array.isArray(webhookEventIds) ? webhookEventIds : [webhookEventIds];
  if (ids.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const jobs = ids.map((id) => ({ name: "ingest", data: { webhookEventId: id.toString() }, opts: { jobId: ingestJobId(id) } }));
  try {
    await Promise.race([queues.get("ingest").addBulk(jobs), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Re-enqueues inbox rows older than `olderThanMs` that were never applied: stored while Redis
 * was unreachable, or whose job ran out of attempts. Returns how many it queued again.
 */
export async function sweepInbox(db: Db, queues: Queues, olderThanMs = 60_000, limit = 5_000): Promise<number> {
  const stale = await db.webhookEvent.findMany({
    where: { processedAt: null, receivedAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  const queue = queues.get("ingest");
  let requeued = 0;
  for (const { id } of stale) {
    const existing = await queue.getJob(ingestJobId(id));
    if (existing) {
      const state = await existing.getState();
      if (state !== "failed" && state !== "completed") continue; // still on its way
      await existing.remove();
    }
    await enqueueIngest(queues, id);
    requeued++;
  }
  return requeued;
}
