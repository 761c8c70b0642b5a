import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { Queues, queueSettings } from "~/queues.server";
import { InboxBatcher } from "~/sync/inbox-batcher.server";
import { ingestJobId } from "~/sync/inbox.server";
import { uniqueQueuePrefix, uniqueShopDomain } from "../helpers/shops";

const real = new Queues({ ...queueSettings(), prefix: uniqueQueuePrefix("batcher") });

afterAll(async () => {
  await real.get("ingest").obliterate({ force: true });
  await real.close();
});

/** The real queues, with each ingest addBulk held back by `delayOf(its shop)` milliseconds; records when each one finished. */
function slowedQueues(delayOf: (shop: string) => number, finished: Map<string, number>): Queues {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== "get") return Reflect.get(target, prop, receiver);
      return (name: "ingest") => {
        const queue = target.get(name);
        return new Proxy(queue, {
          get(q, p, r) {
            if (p !== "addBulk") return Reflect.get(q, p, r);
            return async (jobs: { data: { shopDomain: string } }[]) => {
              const shop = jobs[0].data.shopDomain;
              await new Promise((resolve) => setTimeout(resolve, delayOf(shop)));
              const added = await q.addBulk(jobs as Parameters<typeof q.addBulk>[0]);
              finished.set(shop, performance.now());
              return added;
            };
          },
        });
      };
    },
  });
}

const hook = (shopDomain: string) => ({
  shopDomain,
  topic: "ORDERS_CREATE",
  webhookId: randomUUID(),
  eventId: randomUUID(),
  payload: { id: 1 },
});

describe("InboxBatcher", () => {
  it("answers a delivery once its own row is queued, not once every row stored after it is", async () => {
    const first = uniqueShopDomain("batcher-a");
    const second = uniqueShopDomain("batcher-b");
    const finished = new Map<string, number>();
    // The first row's queueing takes 60 ms, long enough for the second row to be stored meanwhile
    // and join the same background queueing; the second's takes 20 ms more. Both well within
    // the 100 ms a request waits for its row to be queued.
    const batcher = new InboxBatcher(db, () => slowedQueues((shop) => (shop === first ? 60 : 20), finished));
    let firstAnswered = 0;
    const a = batcher.submit(hook(first)).then((id) => ((firstAnswered = performance.now()), id));
    const b = batcher.submit(hook(second)); // stored in the next write, while the first is being written
    const [idA, idB] = await Promise.all([a, b]);

    expect(finished.get(second)).toBeDefined();
    expect(firstAnswered).toBeLessThan(finished.get(second)!);
    for (const [id, shop] of [
      [idA, first],
      [idB, second],
    ] as const) {
      expect(typeof id).toBe("bigint");
      expect((await real.get("ingest").getJob(ingestJobId(id!)))?.data).toEqual({
        webhookEventId: id!.toString(),
        shopDomain: shop,
      });
    }
    await db.webhookEvent.deleteMany({ where: { shopDomain: { in: [first, second] } } });
  });
});
