import { Redis } from "ioredis";
import type { Db } from "~/db.server";

// A second demo run starts from scratch without touching anything else in a shared database
// or Redis: it removes only the demo shop's rows and the demo's queue keys.

export async function resetDemoShop(db: Db, domain: string): Promise<void> {
  // Shop rows cascade to customers, orders, scores, segments, runs and push state.
  await db.shop.deleteMany({ where: { domain } });
  await db.session.deleteMany({ where: { shop: domain } });
  await db.webhookEvent.deleteMany({ where: { shopDomain: domain } });
  await db.complianceRequest.deleteMany({ where: { shopDomain: domain } });
}

export async function resetQueues(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let removed = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length) removed += await redis.unlink(...keys);
    }
    return removed;
  } finally {
    redis.disconnect();
  }
}
