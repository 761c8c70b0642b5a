import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import { enqueueIngest, storeWebhooks, type InboxRef, type IncomingWebhook } from "~/sync/inbox.server";

// Group commit for the webhook inbox. Deliveries that arrive while a write is in flight are
// stored together in the next statement, so under load a burst of webhooks costs a few round
// trips instead of two per delivery; alone, a delivery goes out at once. Each request waits until
// its row is committed; that alone earns Shopify its 200. Queueing the rows for the ingest worker
// runs in the background, in order, merging what arrives meanwhile into larger addBulk calls:
// a request waits for it at most ENQUEUE_GRACE_MS (so a healthy Redis has the job before the
// answer) and not at all while Redis is unreachable. Rows not yet queued are retried every
// second (a short Redis blip costs a second); the inbox sweeper queues any this process drops.

interface Pending {
  hook: IncomingWebhook;
  resolve: (id: bigint | undefined) => void;
  reject: (error: unknown) => void;
}

/** Stored rows of one write, waiting to be queued: resolves once each of them is queued or left to the sweeper. */
interface QueueWait {
  remaining: number;
  resolve: () => void;
}

interface Unqueued {
  ref: InboxRef;
  wait: QueueWait;
}

const MAX_BATCH = 500;
const ENQUEUE_GRACE_MS = 100;
const ENQUEUE_CHUNK = 2_000;
const RETRY_MS = 1_000;
/** Stored rows held for queueing during an outage; older ones are left to the sweeper. */
const MAX_UNQUEUED = 20_000;

export class InboxBatcher {
  private pending: Pending[] = [];
  private writing = false;
  private unqueued: Unqueued[] = [];
  private flushing: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly db: Db,
    private readonly queues: () => Queues,
    private readonly log: (message: string) => void = console.warn,
  ) {}

  /** Resolves with the new row id (undefined for a duplicate) once the row is committed. */
  submit(hook: IncomingWebhook): Promise<bigint | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ hook, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain() {
    this.writing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      let ids: (bigint | undefined)[];
      try {
        ids = await storeWebhooks(
          this.db,
          batch.map((p) => p.hook),
        );
      } catch (error) {
        batch.forEach((p) => p.reject(error));
        continue;
      }
      const stored = ids.flatMap((id, i) =>
        id === undefined ? [] : [{ id, shopDomain: batch[i].hook.shopDomain, topic: batch[i].hook.topic }],
      );
      const queued = this.enqueue(stored);
      let grace: NodeJS.Timeout | undefined;
      void Promise.race([queued, new Promise((resolve) => (grace = setTimeout(resolve, ENQUEUE_GRACE_MS)))]).then(
        () => {
          clearTimeout(grace);
          batch.forEach((p, i) => p.resolve(ids[i]));
        },
      );
    }
    this.writing = false;
  }

  /**
   * Hands stored rows to the background queueing; resolves once these rows are queued (not
   * every row queued meanwhile), or at once if Redis is unreachable.
   */
  private enqueue(rows: InboxRef[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    let wait!: QueueWait;
    const queued = new Promise<void>((resolve) => (wait = { remaining: rows.length, resolve }));
    for (const ref of rows) this.unqueued.push({ ref, wait });
    const excess = this.unqueued.length - MAX_UNQUEUED;
    if (excess > 0) {
      InboxBatcher.settle(this.unqueued.splice(0, excess));
      this.log(`${excess} stored webhook(s) left to the sweeper (Redis unavailable too long)`);
    }
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
    return this.queues().reachable ? queued : Promise.resolve();
  }

  /** These rows are queued (or left to the sweeper): whoever waits only for them may go on. */
  private static settle(rows: Unqueued[]) {
    for (const { wait } of rows) if (--wait.remaining === 0) wait.resolve();
  }

  private async flush(): Promise<void> {
    while (this.unqueued.length > 0) {
      const queues = this.queues();
      const rows = this.unqueued.splice(0, ENQUEUE_CHUNK);
      try {
        if (!queues.reachable) throw new Error("Redis is unreachable");
        await enqueueIngest(
          queues,
          rows.map((row) => row.ref),
        );
        InboxBatcher.settle(rows);
        if (this.failing) this.log("webhook queueing recovered");
        this.failing = false;
      } catch (error) {
        this.unqueued.unshift(...rows);
        if (!this.failing)
          this.log(
            `stored webhooks not queued yet (${(error as Error).message}); retrying every second, the sweeper as a backstop`,
          );
        this.failing = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }
}
