import db from "~/db.server";
import { enqueueCompute } from "~/enqueue.server";
import type { Run } from "~/generated/prisma/client";
import { queues } from "~/queues.server";
import type { ShopOptions } from "../shopify-emulator";
import { startEmulatedApp, type EmulatedApp } from "./emulated-app";
import { waitFor } from "./shops";

// An emulated shop as a merchant has it after install: the app server, all workers, the
// back-fill done and the first compute finished; and recomputes queued the way the app does.

export interface ComputedShop {
  env: EmulatedApp;
  shopId: number;
  /** Queues a full recompute and waits for it to succeed; the run. */
  recompute(what: string): Promise<Run>;
  close(): Promise<void>;
}

export async function startComputedShop(
  shopOptions: Partial<ShopOptions>,
  { recomputeTimeoutMs = 60_000 } = {},
): Promise<ComputedShop> {
  const env = await startEmulatedApp(shopOptions);
  env.startWorkers();
  await env.install();
  const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: env.shop } })).id;
  await waitFor(
    () => db.run.findFirst({ where: { shopId, kind: "COMPUTE", status: { in: ["SUCCEEDED", "FAILED"] } } }),
    { timeoutMs: 120_000, intervalMs: 250, what: "the first compute after the back-fill" },
  );
  return {
    env,
    shopId,
    async recompute(what) {
      const before = await db.run.count({ where: { shopId, kind: "COMPUTE" } });
      await enqueueCompute(queues(), shopId, "test");
      return waitFor(
        async () => {
          const runs = await db.run.findMany({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "asc" } });
          const last = runs[runs.length - 1];
          return runs.length > before && last.status === "SUCCEEDED" ? last : undefined;
        },
        { timeoutMs: recomputeTimeoutMs, what },
      );
    },
    async close() {
      await env.close();
      await queues().close();
    },
  };
}
