// A worker process for the tests that kill one: the app's processors for the queues named on the
// command line, with a short BullMQ lock so that a killed worker's jobs stall (and are retried by
// another worker) within seconds instead of BullMQ's default 30. Prints "ready" once started.
import db from "~/db.server";
import { createProcessors } from "~/jobs/processors.server";
import { startWorkers } from "~/jobs/start-workers.server";
import { queues, type QueueName } from "~/queues.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { TEST_LOCKS } from "./locks";

const names = process.argv.slice(2) as QueueName[];
// WORKER_RESCORE=1 keeps the app's re-score of changed customers (off by default: most tests
// that kill a worker look at one job).
const onCustomerChanged = process.env.WORKER_RESCORE === "1" ? undefined : async () => {};
const processors = createProcessors({
  db,
  queues: queues(),
  adminForShop: (shop) => adminForShop(shop),
  onCustomerChanged,
});
// WORKER_LOCK_MS: a longer job lock, for tests that load the machine enough to delay lock renewals.
const lockMs = Number(process.env.WORKER_LOCK_MS ?? 0);
const locks = lockMs ? { lockDuration: lockMs, stalledInterval: Math.ceil(lockMs / 4) } : TEST_LOCKS;
const pool = startWorkers(
  queues().settings,
  Object.fromEntries(names.map((name) => [name, processors[name]])),
  console.log,
  locks,
);
await Promise.all(pool.workers.map((w) => w.waitUntilReady()));
console.log("ready");
