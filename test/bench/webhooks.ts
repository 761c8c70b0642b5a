// Webhook intake: HMAC verification + inbox insert + enqueue, through the app's webhook route
// served over HTTP on loopback, under load from a second process (autocannon).
import { prepareBenchDatabase } from "./env";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

export interface WebhookFigures {
  seconds: number;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  stored: number;
}

/** One load run per concurrency level (Shopify's own delivery concurrency per shop is modest). */
export async function benchWebhooks(seconds = 10, connectionLevels = [50, 20]): Promise<WebhookFigures[]> {
  await prepareBenchDatabase();
  const { default: db } = await import("~/db.server");
  const { queues } = await import("~/queues.server");
  const { startAppServer } = await import("../helpers/app-server");
  const server = await startAppServer();
  const figures: WebhookFigures[] = [];
  try {
    for (const connections of connectionLevels) {
      const shop = `bench-${Date.now()}.myshopify.com`;
      const { stdout } = await promisify(execFile)(
        path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx"),
        [
          path.join(import.meta.dirname, "webhook-load.ts"),
          server.url,
          shop,
          process.env.SHOPIFY_API_SECRET!,
          String(seconds),
          String(connections),
        ],
        { maxBuffer: 1 << 20 },
      );
      const load = JSON.parse(stdout.trim().split("\n").pop()!);
      const stored = await db.webhookEvent.count({ where: { shopDomain: shop } });
      await db.webhookEvent.deleteMany({ where: { shopDomain: shop } });
      await queues().get("ingest").obliterate({ force: true });
      figures.push({ seconds, connections, ...load, stored });
    }
    return figures;
  } finally {
    await server.close();
    await queues().close();
    await db.$disconnect();
  }
}
