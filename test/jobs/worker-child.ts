// A worker process for the tests that kill one: the app's processors for the queues named on the
// command line, with a short BullMQ lock so that a killed worker's jobs stall (and are retried by
// another worker) within seconds instead of BullMQ's default 30. Prints "ready" once started.
import db from "~/db.server";
import { createProcessors } from "~/jobs/processors.server";
import { startWorkers } from "~/jobs/runtime.server";
import { queues, type QueueName } from "~/queues.server";
import { adminForShop } from "~/shopify/admin.server";
import { TEST_LOCKS } from "./locks";

const names = process.argv.slice(2) as QueueName[];
const processors = createProcessors({ db, queues: queues(), adminForShop: (shop) => adminForShop(shop), onCustomerChanged: async () => {} });
const pool = startWorkers(queues().settings, Object.fromEntries(names.map((name) => [name, processors[name]])), console.log, TEST_LOCKS);
await Promise.all(pool.workers.map((w) => w.waitUntilReady()));
console.log("ready");
