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
  const { queues } = await import("~/queues.server");
  const { startWorkers } = await import("~/jobs/runtime.server");
  const { createProcessors } = await import("~/jobs/processors.server");
  const { scheduleMaintenance } = await import("~/jobs/maintenance.server");
  // Loading shopify.server configures the Shopify library (and the emulator origin switch).
  const { adminForShop } = await import("~/shopify/admin.server");

  const pool = startWorkers(
    { redisUrl: config.redisUrl, prefix: config.queuePrefix },
    createProcessors({ db, queues: queues(), adminForShop: (shop) => adminForShop(shop) }),
  );
  await scheduleMaintenance(queues());
  console.log(`worker: running ${pool.workers.map((w) => w.name).join(", ")}`);

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
