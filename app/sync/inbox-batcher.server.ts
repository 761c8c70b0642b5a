import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import { enqueueIngest, storeWebhooks, type IncomingWebhook } from "~/sync/inbox.server";

// Group commit for the webhook inbox. Deliveries that arrive while a write is in flight are
// stored together in the next statement and queued with one addBulk, so under load a burst of
// webhooks costs a few round trips instead of two per delivery; alone, a delivery goes out at once.
// Each request still waits until its row is committed before Shopify gets its 200.

interface Pending {
  hook: IncomingWebhook;
  resolve: (id: bigint | undefined) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

export class InboxBatcher {
  private pending: Pending[] = [];
  private writing = false;

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
      try {
        const ids = await storeWebhooks(this.db, batch.map((p) => p.hook));
        const fresh = ids.filter((id): id is bigint => id !== undefined);
        // Stored is what counts: if Redis is unreachable the sweeper queues these rows later.
        await enqueueIngest(this.queues(), fresh).catch((error: Error) =>
          this.log(`${fresh.length} webhook(s) stored but not queued (${error.message}); the sweeper will queue them`),
        );
        batch.forEach((p, i) => p.resolve(ids[i]));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    this.writing = false;
  }
}
