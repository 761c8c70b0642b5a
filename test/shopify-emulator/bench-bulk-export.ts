// Measures the emulator's bulk export: rows/second and peak RSS while it streams the orders
// JSONL of a seeded shop (memory must stay flat whatever the size).
//   npx tsx test/shopify-emulator/bench-bulk-export.ts [customers=60000]
import { startEmulator } from "./server";
import { adminGraphQL } from "./test-helpers";

const customers = Number(process.argv[2] ?? 60_000);
const SHOP = "bench.myshopify.com";
const emulator = await startEmulator({
  apiKey: "bench",
  apiSecret: "bench",
  appUrl: "http://127.0.0.1:9",
  subscriptions: {},
});
emulator.addShop(SHOP, { customers, seed: "bench", plan: "plus" });

const started = performance.now();
const run = await adminGraphQL<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
  emulator,
  SHOP,
  `mutation($q: String!) { bulkOperationRunQuery(groupObjects: false, query: $q) { bulkOperation { id } userErrors { message } } }`,
  {
    q: `{ orders { edges { node { id updatedAt processedAt cancelledAt test customer { id } currentTotalPriceSet { shopMoney { amount } }
      totalRefundedSet { shopMoney { amount } } lineItems { edges { node { id quantity product { id productType } originalUnitPriceSet { shopMoney { amount } } } } } } } } }`,
  },
);
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
await emulator.idle();
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
const status = await adminGraphQL<{
  bulkOperation: { status: string; objectCount: string; rootObjectCount: string; fileSize: string };
}>(emulator, SHOP, `query($id: ID!) { bulkOperation(id: $id) { status objectCount rootObjectCount fileSize } }`, {
  id: run.data!.bulkOperationRunQuery.bulkOperation.id,
});
const op = status.data!.bulkOperation;
console.log(
  JSON.stringify({
    customers,
    status: op.status,
    orders: Number(op.rootObjectCount),
    rows: Number(op.objectCount),
    megabytes: Math.round(Number(op.fileSize) / 1e6),
    seconds: Number(seconds.toFixed(1)),
    rowsPerSecond: Math.round(Number(op.objectCount) / seconds),
    peakRssMb: Math.round(peakRss / 1e6),
  }),
);
await emulator.close();
