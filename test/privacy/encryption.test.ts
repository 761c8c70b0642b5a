import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { requireShop, type ShopContext } from "~/admin/admin-shop.server";
import { customerDetail } from "~/admin/customers.server";
import { memberCsvStream } from "~/admin/export.server";
import { segmentMembers } from "~/admin/members.server";
import { previewRuleCount } from "~/admin/rule-segments.server";
import { appNow } from "~/clock.server";
import { rescoreJobKey } from "~/enqueue.server";
import { Prisma } from "~/generated/prisma/client";
import { parseDataKeys } from "~/data-keys";
import { PersonalDataCipher, SEALED_COLUMNS, type SealedColumn } from "~/privacy/personal-data.server";
import type { WorkerPool } from "~/jobs/start-workers.server";
import { queues } from "~/queues.server";
import { upsertCustomers } from "~/sync/write-records.server";
import { ruleSql } from "~/segmentation/rule-sql";
import type { Rule } from "~/segmentation/rules";
import type { CustomerRecord } from "../shopify-emulator/generator";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// Hoisted above the imports: the app reads its environment once. A long debounce keeps every
// re-score a customers/update queues visible as a delayed job.
vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "600000";
});

// Customers' personal fields at rest, end to end: synced from the emulated shop (bulk back-fill
// and customers/update webhooks), sealed in every column, opened where the admin shows them,
// matched by location rules through keyed hashes, and rotated to a new key by `npm run reencrypt`.

const root = path.resolve(import.meta.dirname, "../..");
const TEST_KEYS = process.env.SEGMENTS_DATA_KEYS!;
const NEW_KEY = `k2:${Buffer.alloc(32, 42).toString("base64")}`;
const processCipher = new PersonalDataCipher(parseDataKeys(TEST_KEYS).keys);
const rotatingCipher = new PersonalDataCipher(parseDataKeys(`${NEW_KEY},${TEST_KEYS}`).keys);

let env: EmulatedApp;
let workers: WorkerPool;
let shop: ShopContext;

type StoredCustomer = { [C in SealedColumn]: string | null } & {
  id: bigint;
  shopifyId: bigint;
  countryLookup: string | null;
  provinceLookup: string | null;
  cityLookup: string | null;
};

const stored = () =>
  db.customer.findMany({
    where: { shopId: shop.id, deletedAt: null },
    select: {
      id: true,
      shopifyId: true,
      ...Object.fromEntries(SEALED_COLUMNS.map((c) => [c, true])),
      countryLookup: true,
      provinceLookup: true,
      cityLookup: true,
    },
    orderBy: { id: "asc" },
  }) as Promise<StoredCustomer[]>;

/** What Shopify holds for a customer, as the sync keeps it. */
const inShopify = (r: CustomerRecord): Record<SealedColumn, string | null> => ({
  email: r.email,
  firstName: r.firstName,
  lastName: r.lastName,
  countryCode: r.defaultAddress?.countryCode ?? null,
  provinceCode: r.defaultAddress?.provinceCode ?? null,
  city: r.defaultAddress?.city?.trim() || null,
});

function opened(cipher: PersonalDataCipher, row: StoredCustomer): Record<SealedColumn, string | null> {
  const owner = { shopId: shop.id, shopifyId: row.shopifyId };
  return Object.fromEntries(SEALED_COLUMNS.map((c) => [c, cipher.open(row[c], owner, c)])) as Record<
    SealedColumn,
    string | null
  >;
}

async function reencrypt(keys: string) {
  return promisify(execFile)(path.join(root, "node_modules/.bin/tsx"), ["app/cli/reencrypt.ts", "--shop", env.shop], {
    cwd: root,
    env: { ...process.env, SEGMENTS_DATA_KEYS: keys },
  });
}

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 120, seed: "sealed" });
  workers = env.startWorkers();
  await env.install();
  shop = await requireShop(env.shop);
  await waitFor(() => db.run.findFirst({ where: { shopId: shop.id, kind: "COMPUTE", status: "SUCCEEDED" } }), {
    timeoutMs: 120_000,
    what: "the first compute after the back-fill",
  });
}, 180_000);

afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("personal data at rest", { timeout: 120_000 }, () => {
  it("stores every personal field sealed and its location hashes, and the admin shows the plaintext", async () => {
    const rows = await stored();
    const store = env.emu.shop(env.shop);
    expect(rows.length).toBeGreaterThan(100);
    let sealedValues = 0;
    for (const row of rows) {
      const record = store.customer(Number(row.shopifyId))!.record;
      for (const column of SEALED_COLUMNS) {
        const value = row[column];
        if (value === null) continue;
        expect(value, `${column} of ${row.shopifyId}`).toMatch(/^e1\.test\.[A-Za-z0-9_-]+$/);
        sealedValues++;
      }
      // No plaintext of the customer anywhere in the row (values too short to tell from a chance
      // run of base64 characters, such as country codes, are covered by the opened comparison).
      const raw = JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      for (const value of Object.values(inShopify(record)))
        if (value && value.length >= 5) expect(raw).not.toContain(value);
      expect(opened(processCipher, row)).toEqual(inShopify(record));
      expect(row.cityLookup).toBe(processCipher.lookup(shop.id, "city", inShopify(record).city));
      expect(row.countryLookup).toBe(processCipher.lookup(shop.id, "country", inShopify(record).countryCode));
    }
    expect(sealedValues).toBeGreaterThan(rows.length * 4);

    // Opened where the admin shows them: the customer page, the members list, the CSV.
    const someone = rows.find((r) => r.email && r.city)!;
    const record = store.customer(Number(someone.shopifyId))!.record;
    const page = await customerDetail(shop, someone.id.toString());
    expect(page.customer.email).toBe(record.email);
    expect(page.customer.location).toContain(record.defaultAddress!.city);
    const [membership] = await db.membership.findMany({ where: { shopId: shop.id, control: false }, take: 1 });
    const members = await segmentMembers(shop, membership.segmentKey, {
      sort: "clv",
      direction: "desc",
      pageSize: 100,
    });
    expect(members.members.length).toBeGreaterThan(0);
    for (const member of members.members) {
      const r = store.customer(Number(member.shopifyId))!.record;
      expect(member.email).toBe(r.email);
    }
    const csv = await new Response(memberCsvStream(shop, membership.segmentKey)).text();
    const firstMember = members.members[0];
    expect(csv).toContain(`${firstMember.shopifyId},${firstMember.email ?? ""},`);
    expect(csv).not.toMatch(/e1\.test\./);
  });

  it("seals what a customers/update brings, and an echo that moves nobody re-scores nobody", async () => {
    const store = env.emu.shop(env.shop);
    const rows = await stored();
    const [mover, echoed] = rows.filter((r) => r.city).map((r) => store.customer(Number(r.shopifyId))!.record);
    store.updateCustomer(mover.id, {
      email: "moved.customer@example.com",
      defaultAddress: { ...mover.defaultAddress!, city: "Thunder Bay", provinceCode: "ON", countryCode: "CA" },
    });
    // Our own tag write comes back as a customers/update with the same person and address.
    store.updateCustomer(echoed.id, { note: "touched" });
    const echoedBefore = rows.find((r) => r.shopifyId === BigInt(echoed.id))!;
    const after = await waitFor(
      async () => {
        const now = await stored();
        const moved = now.find((r) => r.shopifyId === BigInt(mover.id))!;
        const touched = now.find((r) => r.shopifyId === BigInt(echoed.id))!;
        return opened(processCipher, moved).city === "Thunder Bay" && touched.email !== echoedBefore.email
          ? { moved, touched }
          : undefined;
      },
      { timeoutMs: 60_000, what: "both customers/update webhooks to be applied" },
    );
    expect(after.moved.email).toMatch(/^e1\.test\./);
    expect(opened(processCipher, after.moved).email).toBe("moved.customer@example.com");
    expect(after.moved.cityLookup).toBe(processCipher.lookup(shop.id, "city", "thunder bay"));
    // The echo was sealed afresh (a new IV), but its hashes and plaintext did not change.
    expect(opened(processCipher, after.touched)).toEqual(opened(processCipher, echoedBefore));
    expect(after.touched.cityLookup).toBe(echoedBefore.cityLookup);

    // A re-score is queued after the customer's row is written: wait for both ingest jobs to end.
    await waitFor(
      async () => {
        const counts = await queues().get("ingest").getJobCounts("waiting", "active", "delayed", "prioritized");
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the customers/update ingest jobs to end" },
    );
    const score = queues().get("score");
    const queued = async (id: number) => {
      const job = await score.getDeduplicationJobId(rescoreJobKey(shop.id, BigInt(id)));
      return job ? await score.getJob(job) : undefined;
    };
    expect(await queued(mover.id), "the mover is re-scored").toBeTruthy();
    expect(await queued(echoed.id), "the echo queues no re-score").toBeFalsy();

    const rule: Rule = { all: [{ field: "city", op: "is", value: "THUNDER BAY" }] };
    expect((await previewRuleCount(shop, rule, appNow())).matches).toBe(1);
  });

  it("keeps no plaintext of the customer in a data request's record", async () => {
    const customer = [...env.emu.shop(env.shop).customers()].map((c) => c.record).find((r) => r.email && r.phone)!;
    env.emu.requestCustomerData(env.shop, customer.id);
    const record = await waitFor(
      () => db.complianceRequest.findFirst({ where: { shopDomain: env.shop, topic: "customers/data_request" } }),
      { timeoutMs: 60_000, what: "the data request to be recorded" },
    );
    const text = JSON.stringify(record, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(text).toContain(String(customer.id));
    for (const value of [customer.email!, customer.phone!, customer.firstName, customer.lastName])
      if (value && value.length >= 5) expect(text).not.toContain(value);
  });

  it("rotates to a new key: old values still open and match meanwhile, reencrypt reseals them all", async () => {
    // From here on only this test writes customers: the workers (which seal with the old key, as
    // a process not yet restarted with the new list would) stop once Shopify's webhooks are in.
    await env.emu.idle();
    await workers.close();
    const before = await stored();
    const plain = new Map(before.map((r) => [r.shopifyId, opened(processCipher, r)]));
    const [counted, { city }] = [...plain.entries()].find(([, p]) => p.city && p.email) as [bigint, { city: string }];
    const expected = [...plain.values()].filter((p) => p.city?.toLowerCase() === city.toLowerCase()).length;
    const countUnder = async (cipher: PersonalDataCipher) => {
      const where = ruleSql(
        { all: [{ field: "city", op: "is", value: city }] },
        { now: appNow(), lookups: (a, v) => cipher.lookups(shop.id, a, v) },
      );
      const [row] = await db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "Customer" c WHERE c."shopId" = ${shop.id} AND c."deletedAt" IS NULL
          AND ${new Prisma.Sql(where.strings, where.values)}`;
      return Number(row.n);
    };
    expect(await countUnder(rotatingCipher)).toBe(expected);

    const { stdout } = await reencrypt(`${NEW_KEY},${TEST_KEYS}`);
    expect(stdout).toMatch(new RegExp(`sealed ${before.length} customer\\(s\\) with key k2`));
    const after = await stored();
    for (const row of after) {
      for (const column of SEALED_COLUMNS) if (row[column] !== null) expect(row[column]).toMatch(/^e1\.k2\./);
      if (row.city) expect(row.cityLookup).toMatch(/^k2\./);
      expect(opened(rotatingCipher, row)).toEqual(plain.get(row.shopifyId));
    }
    const sample = after.find((r) => r.email)!;
    expect(() => processCipher.open(sample.email, { shopId: shop.id, shopifyId: sample.shopifyId }, "email")).toThrow(
      /key "k2"/,
    );
    const newKeyOnly = new PersonalDataCipher(parseDataKeys(NEW_KEY).keys);
    expect(await countUnder(newKeyOnly)).toBe(expected);

    // Mid-rotation: a process still on the old key list (this one) writes a customer under the
    // old key. Rules find every customer under the ring of both keys.
    const rewritten = plain.get(counted)!;
    await upsertCustomers(db, shop.id, [
      {
        shopifyId: counted,
        email: rewritten.email,
        firstName: rewritten.firstName,
        lastName: rewritten.lastName,
        tags: null,
        shopifyCreatedAt: null,
        shopifyUpdatedAt: new Date(Date.now() + 86_400_000),
        address: { countryCode: rewritten.countryCode, provinceCode: rewritten.provinceCode, city: rewritten.city },
      },
    ]);
    expect((await stored()).find((r) => r.shopifyId === counted)!.email).toMatch(/^e1\.test\./);
    expect(await countUnder(rotatingCipher)).toBe(expected);
    expect(await countUnder(newKeyOnly)).toBe(expected - 1);

    // A second run finds nothing left; the old key can go, and a run without the new key names it.
    const again = await reencrypt(`${NEW_KEY},${TEST_KEYS}`);
    expect(again.stdout).toMatch(/sealed 1 customer\(s\) with key k2/);
    const last = (await reencrypt(NEW_KEY)).stdout;
    expect(last).toMatch(/^sealed 0 customer\(s\) with key k2$/m);
    expect(last).toMatch(new RegExp(`^values per key in ${env.shop.replace(/\./g, "\\.")}: k2 \\d+$`, "m"));
    // Other test files' shops share this database, so whether "test" may be retired depends on
    // them; the advice must agree with the whole-database count it prints.
    const everywhere = /^values per key in all shops: (.*)$/m.exec(last)![1];
    const needed = everywhere
      .split(", ")
      .map((entry) => entry.split(" ")[0])
      .filter((k) => k !== "k2" && k !== "plaintext");
    expect(last).toContain(
      needed.length
        ? `keys still needed: ${needed.join(", ")}`
        : "no value needs a key other than k2; other keys may be removed",
    );
    expect(await countUnder(newKeyOnly)).toBe(expected);
    const failed = await reencrypt(TEST_KEYS).catch((error: { stderr: string; code: number }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(
      /sealed with key "k2", which SEGMENTS_DATA_KEYS does not list/,
    );
  });

  it("seals rows stored before encryption on the first reencrypt", async () => {
    const [row] = await stored();
    await db.$executeRaw`UPDATE "Customer" SET "email" = 'legacy.plain@example.com', "city" = 'Kingston', "cityLookup" = NULL
      WHERE "shopId" = ${shop.id} AND "id" = ${row.id}`;
    await reencrypt(`${NEW_KEY},${TEST_KEYS}`);
    const [resealed] = (await stored()).filter((r) => r.id === row.id);
    expect(resealed.email).toMatch(/^e1\.k2\./);
    expect(opened(rotatingCipher, resealed)).toMatchObject({ email: "legacy.plain@example.com", city: "Kingston" });
    expect(resealed.cityLookup).toBe(rotatingCipher.lookup(shop.id, "city", "kingston"));
  });
});
