// Stand-in worker entry for the demo, used only while app/jobs/worker.ts starts its processors
// without `adminForShop` (then it runs no sync and no push queue). Same start-up as the app's
// worker otherwise; delete this file once app/jobs/worker.ts passes adminForShop.
import { readEnv } from "~/env.server";
import { checkServices } from "~/services.server";

const config = readEnv();
await checkServices(config);
const { default: db } = await import("~/db.server");
const { queues } = await import("~/queues.server");
const { startWorkers } = await import("~/jobs/runtime.server");
const { createProcessors } = await import("~/jobs/processors.server");
const { scheduleMaintenance } = await import("~/jobs/maintenance.server");
const { adminForShop } = await import("~/shopify/admin.server");

const pool = startWorkers(
  { redisUrl: config.redisUrl, prefix: config.queuePrefix },
  createProcessors({ db, queues: queues(), adminForShop: (shop) => adminForShop(shop) }),
);
await scheduleMaintenance(queues());
console.log(`worker: running ${pool.workers.map((w) => w.name).join(", ")}`);

const stop = async () => {
  await pool.close();
  await queues().close();
  await db.$disconnect();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
