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
const dedupeKey = (shopDomain: string, topic: string, eventKey: string) =>
  `${shopDomain}\u0000${topic}\u0000${eventKey}`;

// Shopify's deepest payloads (order → line item → tax line → price set → money) are a few
// levels; anything far deeper is not an order, and JSON.stringify overflows the stack near 5,000.
const MAX_PAYLOAD_DEPTH = 64;

/** Depth of nested arrays/objects, without recursion (the value may be deeper than the stack). */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return depth;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

// PostgreSQL's jsonb cannot hold U+0000 nor a lone surrogate (22P05). JSON.stringify writes both,
// and only them, as escapes (a well-formed pair is written as characters), so an escape not itself
// escaped by a backslash is replaced by U+FFFD and the rest of the delivery is kept.
const UNSTORABLE_ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/g;

/** The payload as the inbox stores it, or why it cannot be stored. */
function storablePayload(payload: unknown): { json: string } | { error: string } {
  if (depthOf(payload, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH) {
    return { error: `payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels; not stored` };
  }
  return { json: (JSON.stringify(payload) ?? "null").replace(UNSTORABLE_ESCAPE, "\\ufffd") };
}

interface InboxRow {
  hook: IncomingWebhook;
  /** JSON text of the payload; null when it cannot be stored (then `error` says why). */
  json: string | null;
  error: string | null;
}

/** SQLSTATE of a failed raw query (Prisma's driver-adapter error), if any. */
function sqlState(error: unknown): string | undefined {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { code?: unknown } } } }).meta?.driverAdapterError
    ?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

// Class 22 (data exception: bad JSON, unsupported escapes) and 54 (program limit: stack depth)
// mean "this row", not "the database": such a row is recorded with its error instead.
const isDataError = (error: unknown) => /^(22|54)/.test(sqlState(error) ?? "");

/**
 * Stores deliveries in one statement; returns each one's new row id, or undefined for a
 * duplicate (already stored, or repeated within the batch). A delivery PostgreSQL refuses never
 * fails the others: the batch is retried row by row and that one is stored as a recorded error
 * (processed, not applied), so Shopify gets its 200 and nothing retries it.
 */
export async function storeWebhooks(db: Db, hooks: IncomingWebhook[]): Promise<(bigint | undefined)[]> {
  if (hooks.length === 0) return [];
  const rows: InboxRow[] = hooks.map((hook) => {
    const stored = storablePayload(hook.payload);
    return "json" in stored ? { hook, json: stored.json, error: null } : { hook, json: null, error: stored.error };
  });
  let inserted: { id: bigint; shopDomain: string; topic: string; eventKey: string }[] = [];
  try {
    inserted = await insertRows(db, rows);
  } catch (error) {
    if (!isDataError(error)) throw error;
    for (const row of rows) {
      try {
        // Alone, a row's data error is its own (no need to try it a second time).
        if (rows.length === 1) throw error;
        inserted.push(...(await insertRows(db, [row])));
      } catch (rowError) {
        if (!isDataError(rowError)) throw rowError;
        const message = `payload refused by PostgreSQL (${sqlState(rowError)}): ${(rowError as Error).message.trim().split("\n").at(-1)}`;
        inserted.push(...(await insertRows(db, [{ hook: row.hook, json: null, error: message }])));
      }
    }
  }
  const ids = new Map(inserted.map((r) => [dedupeKey(r.shopDomain, r.topic, r.eventKey), r.id]));
  return hooks.map((hook) => {
    const key = dedupeKey(hook.shopDomain, hook.topic, eventKeyOf(hook));
    const id = ids.get(key);
    ids.delete(key); // a repeat within the same batch is a duplicate too
    return id;
  });
}

async function insertRows(db: Db, rows: InboxRow[]) {
  const hooks = rows.map((r) => r.hook);
  const triggeredAt = (hook: IncomingWebhook) =>
    hook.triggeredAt && !Number.isNaN(Date.parse(hook.triggeredAt)) ? new Date(hook.triggeredAt).toISOString() : null;
  // A row that cannot be stored keeps its id and headers (so redeliveries are deduplicated), a
  // null payload and its error, and counts as processed: recorded once, never applied.
  return db.$queryRaw<{ id: bigint; shopDomain: string; topic: string; eventKey: string }[]>`
    INSERT INTO "WebhookEvent" ("shopDomain", "topic", "eventKey", "webhookId", "apiVersion", "triggeredAt", "payload", "error", "processedAt")
    SELECT v.shop, v.topic, v.key, v.webhook, v.version, v.triggered, COALESCE(v.payload, 'null'::jsonb), v.error,
      CASE WHEN v.error IS NULL THEN NULL ELSE now() END
    FROM unnest(
      ${hooks.map((h) => h.shopDomain)}::text[], ${hooks.map((h) => h.topic)}::text[], ${hooks.map(eventKeyOf)}::text[],
      ${hooks.map((h) => h.webhookId)}::text[], ${hooks.map((h) => h.apiVersion ?? null)}::text[],
      ${hooks.map(triggeredAt)}::timestamp(3)[], ${rows.map((r) => r.json)}::jsonb[], ${rows.map((r) => r.error)}::text[]
    ) AS v(shop, topic, key, webhook, version, triggered, payload, error)
    ON CONFLICT ("shopDomain", "topic", "eventKey") DO NOTHING
    RETURNING "id", "shopDomain", "topic", "eventKey"`;
}

export const ingestJobId = (webhookEventId: bigint | string) => `wh-${webhookEventId}`;

/** A stored inbox row's key: its shop's domain and id (the table shards by shop domain), and its topic. */
export interface InboxRef {
  id: bigint;
  shopDomain: string;
  topic?: string;
}

// Every push of tags or metafields comes back as one customers/update per customer, hundreds at a
// time, and none of them changes a segment; an order does. So customers/update waits behind every
// other topic (BullMQ runs jobs without a priority first); nothing depends on the order in which
// webhooks apply (docs/sync.md, "Applying webhooks").
const DEFERRED_TOPICS = new Set(["customers/update"]);
const DEFERRED_PRIORITY = 10;

/** Queues rows for the ingest worker; gives up after `timeoutMs` (Redis down) so a request never hangs. */
export async function enqueueIngest(queues: Queues, rows: InboxRef | InboxRef[], timeoutMs = 2_000): Promise<void> {
  const refs = Array.isArray(rows) ? rows : [rows];
  if (refs.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const jobs = refs.map(({ id, shopDomain, topic }) => ({
    name: "ingest",
    data: { webhookEventId: id.toString(), shopDomain },
    opts: { jobId: ingestJobId(id), ...(topic && DEFERRED_TOPICS.has(topic) ? { priority: DEFERRED_PRIORITY } : {}) },
  }));
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
    select: { id: true, shopDomain: true, topic: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  const queue = queues.get("ingest");
  let requeued = 0;
  for (const row of stale) {
    const { id } = row;
    const existing = await queue.getJob(ingestJobId(id));
    if (existing) {
      const state = await existing.getState();
      if (state !== "failed" && state !== "completed") continue; // still on its way
      await existing.remove();
    }
    await enqueueIngest(queues, row);
    requeued++;
  }
  return requeued;
}
