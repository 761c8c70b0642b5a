import db from "~/db.server";
import type { JobDeps } from "~/jobs/job-deps.server";
import { createProcessors } from "~/jobs/processors.server";
import { startWorkers, type WorkerPool } from "~/jobs/start-workers.server";
import { queues, type QueueName } from "~/queues.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { authenticate } from "~/shopify.server";
import { startEmulator, type Emulator, type EmulatorOptions, type ShopOptions } from "../shopify-emulator";
import { startAppServer, type AppServer } from "./app-server";
import { uniqueShopDomain } from "./shops";

// One emulated Shopify + the app's webhook server + workers, wired the way production is:
// the app reaches the emulator only through SHOPIFY_ADMIN_ORIGIN.

export interface EmulatedApp {
  emu: Emulator;
  app: AppServer;
  shop: string;
  /** Opens the embedded app as Shopify admin would: session token → token exchange → afterAuth. */
  install(shop?: string): Promise<void>;
  /** Runs the app's processors (all, or only the queues named). */
  startWorkers(overrides?: Partial<JobDeps>, only?: QueueName[]): WorkerPool;
  close(): Promise<void>;
}

export async function startEmulatedApp(
  shopOptions: Partial<ShopOptions> = {},
  emulatorOptions: Partial<EmulatorOptions> = {},
): Promise<EmulatedApp> {
  const app = await startAppServer();
  const emu = await startEmulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    appUrl: app.url,
    ...emulatorOptions,
  });
  process.env.SHOPIFY_ADMIN_ORIGIN = emu.origin;
  const shop = uniqueShopDomain("emu");
  // A fixed seed, not the (random) domain: the same shop data on every run, so a test's outcome
  // cannot hang on which shop the draw produced.
  emu.addShop(shop, { customers: 200, seed: "emulated-shop", ...shopOptions });
  const pools: WorkerPool[] = [];

  return {
    emu,
    app,
    shop,
    async install(domain = shop) {
      const token = emu.sessionToken(domain);
      const request = new Request(`${process.env.SHOPIFY_APP_URL}/app`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      // What the /app layout loader does first (the route module itself pulls in Polaris CSS,
      // which plain Node cannot load for benchmarks).
      await authenticate.admin(request);
    },
    startWorkers(overrides = {}, only) {
      const q = queues();
      const processors = createProcessors({ db, queues: q, adminForShop: (s) => adminForShop(s), ...overrides });
      const selected = only ? Object.fromEntries(only.map((name) => [name, processors[name]])) : processors;
      const pool = startWorkers(q.settings, selected, () => {});
      pools.push(pool);
      return pool;
    },
    async close() {
      await Promise.all(pools.map((p) => p.close()));
      await emu.close();
      await app.close();
    },
  };
}
