import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import { enqueueIngest, storeWebhooks, type IncomingWebhook } from "~/sync/inbox.server";

// Group commit for the webhook inbox. Deliveries that arrive while a write is in flight are
// stored together in the next statement and queued with one addBulk, so under load a burst of
// webhooks costs a few round trips instead of two per delivery; alone, a delivery goes out at once.
// Each request waits until its row is committed; that alone earns Shopify its 200. Queueing runs
// beside the next batch's write: a request waits for it at most ENQUEUE_GRACE_MS (so a healthy
// Redis has the job before the answer), and with Redis slow or down the sweeper queues the rows.

interface Pending {
  hook: IncomingWebhook;
  resolve: (id: bigint | undefined) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;
const ENQUEUE_GRACE_MS = 100;
/** Enqueues still waiting for a slow Redis beyond which further batches are left to the sweeper. */
const MAX_ENQUEUES_IN_FLIGHT = 4;

export class InboxBatcher {
  private pending: Pending[] = [];
  private writing = false;
  private enqueuesInFlight = 0;

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
        ids = await storeWebhooks(this.db, batch.map((p) => p.hook));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
        continue;
      }
      const queued = this.enqueue(ids.filter((id): id is bigint => id !== undefined));
      let grace: NodeJS.Timeout | undefined;
      void Promise.race([queued, new Promise((resolve) => (grace = setTimeout(resolve, ENQUEUE_GRACE_MS)))]).then(() => {
        clearTimeout(grace);
        batch.forEach((p, i) => p.resolve(ids[i]));
      });
    }
    this.writing = false;
  }

  /** Queues stored rows; never rejects (stored is what counts: the sweeper queues what this could not). */
  private async enqueue(ids: bigint[]): Promise<void> {
    if (ids.length === 0) return;
    const queues = this.queues();
    if (!queues.reachable || this.enqueuesInFlight >= MAX_ENQUEUES_IN_FLIGHT) {
      const why = queues.reachable ? "Redis is slow" : "Redis is unreachable";
      this.log(`${ids.length} webhook(s) stored but not queued (${why}); the sweeper will queue them`);
      return;
    }
    this.enqueuesInFlight++;
    try {
      await enqueueIngest(queues, ids);
    } catch (error) {
      this.log(`${ids.length} webhook(s) stored but not queued (${(error as Error).message}); the sweeper will queue them`);
    } finally {
      this.enqueuesInFlight--;
    }
  }
}
