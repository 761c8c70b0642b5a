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

/** Stores the delivery; returns the new row id, or undefined when it was a duplicate. */
export async function storeWebhook(db: Db, hook: IncomingWebhook): Promise<bigint | undefined> {
  const eventKey = hook.eventId || hook.webhookId;
  const triggeredAt = hook.triggeredAt && !Number.isNaN(Date.parse(hook.triggeredAt)) ? new Date(hook.triggeredAt) : null;
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    INSERT INTO "WebhookEvent" ("shopDomain", "topic", "eventKey", "webhookId", "apiVersion", "triggeredAt", "payload")
    VALUES (${hook.shopDomain}, ${hook.topic}, ${eventKey}, ${hook.webhookId}, ${hook.apiVersion ?? null},
            ${triggeredAt}, ${JSON.stringify(hook.payload)}::jsonb)
    ON CONFLICT ("shopDomain", "topic", "eventKey") DO NOTHING
    RETURNING "id"`;
  return rows[0]?.id;
}

export const ingestJobId = (webhookEventId: bigint | string) => `wh-${webhookEventId}`;

/** Queues the row for the ingest worker; gives up after `timeoutMs` (Redis down) so a request never hangs. */
export async function enqueueIngest(queues: Queues, webhookEventId: bigint, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      queues.enqueue("ingest", { webhookEventId: webhookEventId.toString() }, { jobId: ingestJobId(webhookEventId) }),
      timeout,
    ]);
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
