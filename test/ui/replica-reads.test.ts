import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { requireShop, type ShopContext } from "~/admin/admin-shop.server";
import { cohortTable } from "~/admin/cohorts.server";
import { customerDetail } from "~/admin/customers.server";
import { memberCsvStream } from "~/admin/export.server";
import { memberQueryFrom, segmentMembers, segmentMovement } from "~/admin/members.server";
import { shopOverview } from "~/admin/overview.server";
import { listSegments, segmentSummary, setSegmentEnabled } from "~/admin/segments.server";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// DATABASE_REPLICA_URL: the admin pages' reads of job results go to the replica. Here the
// "replica" is a second, read-only connection to the same database under its own application
// name, so the test can see that those reads used it and wrote nothing through it.

const REPLICA_APP = `segments-replica-${process.pid}`;
// Hoisted above the imports: the app reads its environment once.
vi.hoisted(() => {
  const url = new URL(process.env.DATABASE_URL!); // the test database (test/setup/env.ts)
  url.searchParams.set("application_name", `segments-replica-${process.pid}`);
  url.searchParams.set("options", "-c default_transaction_read_only=on");
  process.env.DATABASE_REPLICA_URL = url.toString();
});

const NOW = new Date(process.env.SEGMENTS_NOW!);
let seeded: SeededShop;
let shop: ShopContext;
let observer: pg.Client;

beforeAll(async () => {
  seeded = await seedAnalysedShop(uniqueShopDomain("replica"), 200, NOW);
  shop = await requireShop(seeded.domain);
  observer = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await observer.connect();
});
afterAll(async () => {
  await observer.end();
  await queues().close();
});

/** What the replica's sessions last ran. */
async function replicaQueries(): Promise<string[]> {
  const { rows } = await observer.query<{ query: string }>(
    `SELECT query FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
    [REPLICA_APP],
  );
  return rows.map((r) => r.query);
}

describe("admin reads with DATABASE_REPLICA_URL", () => {
  it("read job results through the replica connection, and never write through it", async () => {
    expect(await replicaQueries()).toEqual([]);
    const overview = await shopOverview(shop, NOW);
    expect(overview).toBeDefined();
    const segments = await listSegments(shop, NOW);
    const key = segments.find((s) => s.size > 0)!.key;
    const summary = await segmentSummary(shop, key, NOW);
    expect(summary.size).toBeGreaterThan(0);
    const members = await segmentMembers(shop, key, memberQueryFrom(new URL("https://app.test/?pageSize=10")));
    expect(members.members.length).toBeGreaterThan(0);
    await segmentMovement(shop, key, summary.kind);
    const customer = await customerDetail(shop, String(seeded.firstCustomerId));
    expect(customer.orders.count).toBeGreaterThan(0);
    await cohortTable(shop, 12, NOW);
    const csv = await new Response(memberCsvStream(shop, key)).text();
    expect(csv.split("\n").length).toBeGreaterThan(members.members.length);

    // The replica's sessions exist and ran the job-result reads (the read-only setting would
    // have refused any write there).
    const ran = await replicaQueries();
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.some((q) => /"(CustomerScore|Membership|SegmentSnapshot|Order|Run|ShopModel|Customer)"/.test(q))).toBe(
      true,
    );
    const { rows } = await observer.query<{ readOnly: string }>(
      `SELECT setting AS "readOnly" FROM pg_settings WHERE name = 'default_transaction_read_only'`,
    );
    expect(rows[0].readOnly).toBe("off"); // the primary's own sessions can write
  });

  it("reads what the merchant writes from the primary: a segment disabled shows disabled at once", async () => {
    const [first] = await listSegments(shop, NOW);
    await setSegmentEnabled(shop, first.key, !first.enabled);
    const after = (await listSegments(shop, NOW)).find((s) => s.key === first.key)!;
    expect(after.enabled).toBe(!first.enabled);
    const stored = await db.segment.findUniqueOrThrow({ where: { shopId_key: { shopId: shop.id, key: first.key } } });
    expect(stored.enabled).toBe(!first.enabled);
  });
});
