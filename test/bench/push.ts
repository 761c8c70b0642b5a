// Push benchmark: a 100k-customer change on a Shopify Standard plan shop (2,000-point bucket,
// 100 points/s), sent the way the push job sends it (bulk mutations) against the emulator, next
// to the naive one-call-per-customer approach. The naive figure is computed from the measured
// cost of one tagsAdd and one metafieldsSet call, the call count and the restore rate: running it
// would take hours by construction.
//
//   npx tsx test/bench/push.ts [CUSTOMERS]
//
// Uses its own database (BENCH_DATABASE_URL, default segments_bench: created and migrated) and a
// fresh emulator.
import { pathToFileURL } from "node:url";
import { prepareBenchDatabase } from "./env";

export interface PushBenchFigures {
  customers: number;
  approach: string;
  apiCalls: number;
  costPoints: number;
  bulkOperations: number;
  /** Time the shop's rate limit alone imposes: points beyond the bucket / restore rate. */
  rateLimitSeconds: number;
  /** Measured wall time against the emulator (bulk) or the rate-limit bound (naive). */
  shopifySeconds: number;
}

const STANDARD = { maximumAvailable: 2_000, restoreRate: 100 };

export async function benchPush(customers = 100_000): Promise<PushBenchFigures[]> {
  await prepareBenchDatabase();

  const { default: db } = await import("~/db.server");
  const { queues } = await import("~/queues.server");
  const { pushShop } = await import("~/push/push-shop.server");
  const { TAGS_ADD, METAFIELDS_SET } = await import("~/shopify/documents");
  const { startEmulatedApp } = await import("../helpers/emulated-app");
  const { pushAdmin } = await import("../push/push-admin");
  const { installWithCustomersOnly, writeLargeMemberships } = await import("../push/large-shop");

  const env = await startEmulatedApp({ customers, plan: "standard" });
  try {
    const shopId = await installWithCustomersOnly(env);
    await writeLargeMemberships(shopId);
    const admin = await pushAdmin(env);
    const started = performance.now();
    const counts = await pushShop(db, admin, shopId, { tuning: { bulkPollMs: 250, bulkMaxPollMs: 1_000 } });
    const bulkSeconds = (performance.now() - started) / 1000;
    if (counts.errors) throw new Error(`push reported errors: ${counts.errorSamples.join("; ")}`);

    // What one naive call costs: measured on customers the push already tagged (no change, same cost).
    const probe = await pushAdmin(env);
    const sample = await db.customer.findFirstOrThrow({ where: { shopId } });
    const owner = `gid://shopify/Customer/${sample.shopifyId}`;
    await probe.request(TAGS_ADD, { id: owner, tags: ["seg:rfm-loyal"] });
    const tagCost = probe.usage.costUsed;
    await probe.request(METAFIELDS_SET, {
      metafields: [{ ownerId: owner, key: "segments", type: "list.single_line_text_field", value: '["rfm-loyal"]' }],
    });
    const metafieldCost = probe.usage.costUsed - tagCost;

    const naiveCalls = 2 * customers; // one tagsAdd and one metafieldsSet per customer
    const naivePoints = customers * (tagCost + metafieldCost);
    const naiveSeconds = Math.max(0, naivePoints - STANDARD.maximumAvailable) / STANDARD.restoreRate;
    return [
      {
        customers,
        approach: "bulk mutations (push job)",
        apiCalls: admin.usage.calls,
        costPoints: admin.usage.costUsed,
        bulkOperations: counts.bulkOperations,
        rateLimitSeconds: Math.max(0, admin.usage.costUsed - STANDARD.maximumAvailable) / STANDARD.restoreRate,
        shopifySeconds: round(bulkSeconds),
      },
      {
        customers,
        approach: "naive: one call per customer",
        apiCalls: naiveCalls,
        costPoints: naivePoints,
        bulkOperations: 0,
        rateLimitSeconds: round(naiveSeconds),
        shopifySeconds: round(naiveSeconds),
      },
    ];
  } finally {
    await env.close();
    await queues().close();
    await db.$disconnect();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

async function main() {
  const customers = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new Error("usage: tsx test/bench/push.ts [CUSTOMERS]");
  console.log(
    `Push benchmark: ${customers} customers changed, Standard plan limits (${STANDARD.maximumAvailable} points, ${STANDARD.restoreRate} points/s)`,
  );
  console.table(await benchPush(customers));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
