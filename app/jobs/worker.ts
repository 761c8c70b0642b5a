// Entry point of the background worker (`npm run worker`): runs every queue's processor.
import { assertNodeVersion } from "~/node-version.server";
import { EnvError, readEnv } from "~/env.server";
import { checkServices, ServiceUnreachableError } from "~/services.server";

async function main() {
  assertNodeVersion();
  const config = readEnv();
  await checkServices(config);

  // Imported after the checks: these modules connect on import.
  const { default: db } = await import("~/db.server");
  const { queues, queueSettings } = await import("~/queues.server");
  const { startWorkers } = await import("~/jobs/start-workers.server");
  const { createProcessors } = await import("~/jobs/processors.server");
  const { scheduleMaintenance } = await import("~/jobs/maintenance.server");
  const { queueUncheckedPlanChecks, scheduleAllDailyComputes } = await import("~/enqueue.server");
  // Loading shopify.server configures the Shopify library (and the emulator origin switch).
  const { adminForShop } = await import("~/jobs/admin-for-shop.server");

  const pool = startWorkers(
    queueSettings(),
    createProcessors({ db, queues: queues(), adminForShop: (shop) => adminForShop(shop) }),
  );
  await scheduleMaintenance(queues());
  await scheduleAllDailyComputes(db, queues());
  console.log(`worker: running ${pool.queues.join(", ")}`);
  // Shops whose plan was never read (installed before pricing) read as Pro until their check:
  // queue those checks without holding the start-up (a shutdown meanwhile only stops the loop).
  void queueUncheckedPlanChecks(db, queues()).catch((error: unknown) =>
    console.error(`worker: queueing plan checks failed: ${(error as Error).message}`),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`worker: ${signal} received, finishing running jobs…`);
    await pool.close();
    await queues().close();
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof ServiceUnreachableError) {
    console.error(error.message);
  } else {
    console.error("worker failed to start:", error);
  }
  process.exit(1);
});
