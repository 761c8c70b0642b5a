import { createHash } from "node:crypto";
import type pg from "pg";
import { withPgConnection, type Db } from "~/db.server";
import { copyOut } from "~/db/copy-out.server";
import { WRITE_CONNECTIONS, writeConcurrently, type ShopWrite } from "~/db/shop-writes.server";

// Writes one compute run's results, and only what changed: the stored scores and memberships
// are read back (one streamed single-table COPY each), compared here with the run's, and only
// the difference is inserted, updated or deleted. A re-run with nothing changed writes no score
// or membership row (ON CONFLICT DO UPDATE on an unchanged row still writes a new tuple). No
// statement joins tables whose statistics may predate this shop's rows: reads are single-table,
// writes go by key (ON CONFLICT, = ANY), and the snapshot's one join is planned without nested
// loops (a planner that believed the shop had one membership once scanned all scores per member).
// The writes of a full run are spread over two connections (app/db/shop-writes.server.ts), each
// transaction holding the shop's row locked: scores, memberships and their events have no foreign keys.

const CHUNK = 10_000;

/** Rows one run wrote, by table and kind of write. */
export interface RowsWritten {
  inserted: number;
  updated: number;
  deleted: number;
}

export interface ScoreColumns {
  customerIds: string[];
  orderCount: Float64Array;
  totalSpent: Float64Array;
  firstOrderAt: Float64Array;
  lastOrderAt: Float64Array;
  recencyDays: Float64Array;
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  rfmSegment: string[];
  cluster: Int32Array;
  lifecycle: string[];
  pAlive: Float64Array;
  churnRisk: Float64Array;
  interPurchaseDays: Float64Array;
  expectedOrders: Float64Array;
  expectedAov: Float64Array;
  clv: Float64Array;
  nextOrderAt: Float64Array;
  explanation: string[];
  /** Top product type and vendor by net spend (null: none), with that spend. */
  topProductType: (string | null)[];
  topProductTypeSpend: Float64Array;
  topVendor: (string | null)[];
  topVendorSpend: Float64Array;
  /** Top collection by net spend (null: none), with that spend. */
  topCollection: (string | null)[];
  topCollectionSpend: Float64Array;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);
/** What a timestamp(3) column stores for epoch ms `ms` (Date truncates fractions of a millisecond). */
const storedMs = (ms: number) => (Number.isFinite(ms) ? Math.trunc(ms) : null);
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
const NULL = "\\N";

/** A COPY text field back to its text: backslash escapes undone (only in free text, e.g. explanations). */
function copyText(field: string): string | null {
  if (field === NULL) return null;
  if (!field.includes("\\")) return field;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "\\": "\\" };
  return field.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}
const numberOrNull = (field: string) => (field === NULL ? null : Number(field));

const SCORE_FIELDS = `"customerId", "orderCount", "totalSpent", (EXTRACT(EPOCH FROM "firstOrderAt") * 1000)::float8,
  (EXTRACT(EPOCH FROM "lastOrderAt") * 1000)::float8, "recencyDays", "r", "f", "m", "rfmSegment", "cluster", "lifecycle",
  "pAlive", "churnRisk", "interPurchaseDays", "expectedOrders", "expectedAov", "clv",
  (EXTRACT(EPOCH FROM "nextOrderAt") * 1000)::float8, "explanation", "topProductType", "topProductTypeSpend",
  "topVendor", "topVendorSpend", "topCollection", "topCollectionSpend"`;

/** Money or null as a numeric(14, 2) column stores it (and COPY prints it). */
const centsOrNull = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : null);

/** Whether a stored score row (COPY fields in SCORE_FIELDS order) holds exactly what customer `i` of `s` would write. */
function sameScore(f: string[], s: ScoreColumns, i: number): boolean {
  return (
    Number(f[1]) === Math.round(s.orderCount[i]) &&
    f[2] === s.totalSpent[i].toFixed(2) &&
    numberOrNull(f[3]) === storedMs(s.firstOrderAt[i]) &&
    numberOrNull(f[4]) === storedMs(s.lastOrderAt[i]) &&
    numberOrNull(f[5]) === finite(s.recencyDays[i]) &&
    Number(f[6]) === s.r[i] &&
    Number(f[7]) === s.f[i] &&
    Number(f[8]) === s.m[i] &&
    f[9] === s.rfmSegment[i] &&
    numberOrNull(f[10]) === s.cluster[i] &&
    copyText(f[11]) === (s.lifecycle[i] ?? null) &&
    numberOrNull(f[12]) === finite(s.pAlive[i]) &&
    numberOrNull(f[13]) === finite(s.churnRisk[i]) &&
    numberOrNull(f[14]) === finite(s.interPurchaseDays[i]) &&
    numberOrNull(f[15]) === finite(s.expectedOrders[i]) &&
    numberOrNull(f[16]) === finite(s.expectedAov[i]) &&
    numberOrNull(f[17]) === finite(s.clv[i]) &&
    numberOrNull(f[18]) === storedMs(s.nextOrderAt[i]) &&
    copyText(f[19]) === (s.explanation[i] ?? "") &&
    copyText(f[20]) === (s.topProductType[i] ?? null) &&
    copyText(f[21]) === centsOrNull(s.topProductTypeSpend[i]) &&
    copyText(f[22]) === (s.topVendor[i] ?? null) &&
    copyText(f[23]) === centsOrNull(s.topVendorSpend[i]) &&
    copyText(f[24]) === (s.topCollection[i] ?? null) &&
    copyText(f[25]) === centsOrNull(s.topCollectionSpend[i])
  );
}

/** A bigint[] literal for SQL that cannot take parameters (COPY); throws on anything but integers. */
function bigintArray(client: pg.Client, ids: string[]): string {
  return `${client.escapeLiteral(`{${ids.map((id) => BigInt(id).toString()).join(",")}}`)}::bigint[]`;
}

function requireShopId(shopId: number) {
  if (!Number.isSafeInteger(shopId)) throw new RangeError(`invalid shop id ${shopId}`);
}

/**
 * Makes the stored scores `s`, writing only rows that differ; a full run (`prune`) also deletes
 * the scores of the shop's customers it no longer scores (all orders refunded, deleted…).
 */
export async function writeScores(
  db: Db,
  shopId: number,
  s: ScoreColumns,
  computedAt: Date,
  prune = true,
): Promise<RowsWritten> {
  requireShopId(shopId);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < s.customerIds.length; i++) indexOf.set(s.customerIds[i], i);
  const stored = new Uint8Array(s.customerIds.length);
  const changed: number[] = [];
  const gone: string[] = [];
  await withPgConnection(db, async (client) => {
    const where = prune ? "" : ` AND "customerId" = ANY(${bigintArray(client, s.customerIds)})`;
    await copyOut(client, `SELECT ${SCORE_FIELDS} FROM "CustomerScore" WHERE "shopId" = ${shopId}${where}`, (f) => {
      const i = indexOf.get(f[0]);
      if (i === undefined) gone.push(f[0]);
      else {
        stored[i] = 1;
        if (!sameScore(f, s, i)) changed.push(i);
      }
    });
  });
  const inserted: number[] = [];
  for (let i = 0; i < s.customerIds.length; i++) if (!stored[i]) inserted.push(i);
  // In id order, as the primary key: appends at its right edge (see replaceMemberships).
  const idOf = Float64Array.from(s.customerIds, Number);
  const rows = [...changed, ...inserted].sort((a, b) => idOf[a] - idOf[b]);
  const upserts: ShopWrite[] = [];
  for (let start = 0; start < rows.length; start += CHUNK) {
    const range = rows.slice(start, start + CHUNK);
    upserts.push((client) => upsertScores(client, shopId, s, range, computedAt));
  }
  const deletes: ShopWrite[] = [];
  for (let start = 0; start < gone.length; start += CHUNK) {
    const ids = gone.slice(start, start + CHUNK);
    deletes.push(async (client) => {
      const result = await client.query(
        `DELETE FROM "CustomerScore" WHERE "customerId" = ANY($1::bigint[]) AND "shopId" = $2`,
        [ids, shopId],
      );
      return result.rowCount ?? 0;
    });
  }
  // A full run's many rows on several connections; the one-customer path (no prune) on one.
  const counts = await writeConcurrently(db, shopId, [...upserts, ...deletes], prune ? WRITE_CONNECTIONS : 1);
  const deleted = counts.slice(upserts.length).reduce((a, b) => a + b, 0);
  return { inserted: inserted.length, updated: changed.length, deleted };
}

/** Inserts or overwrites the scores of customers `range` (indices into `s`), by primary key. */
async function upsertScores(
  client: pg.Client,
  shopId: number,
  s: ScoreColumns,
  range: number[],
  computedAt: Date,
): Promise<number> {
  const result = await client.query(
    `INSERT INTO "CustomerScore" ("customerId", "shopId", "orderCount", "totalSpent", "firstOrderAt", "lastOrderAt",
      "recencyDays", "r", "f", "m", "rfmSegment", "cluster", "lifecycle", "pAlive", "churnRisk", "interPurchaseDays",
      "expectedOrders", "expectedAov", "clv", "nextOrderAt", "explanation", "topProductType", "topProductTypeSpend",
      "topVendor", "topVendorSpend", "topCollection", "topCollectionSpend", "computedAt")
    SELECT v.id, $1, v.orders, v.spent, v.first, v.last, v.recency, v.r, v.f, v.m, v.rfm, v.cluster, v.lifecycle,
      v.palive, v.churn, v.gaps, v.expected, v.aov, v.clv, v.next, v.explanation, v.ptype, v.ptypespend, v.vendor,
      v.vendorspend, v.collection, v.collectionspend, $2
    FROM unnest($3::bigint[], $4::int[], $5::numeric[], $6::timestamp(3)[], $7::timestamp(3)[], $8::float8[], $9::int[],
      $10::int[], $11::int[], $12::text[], $13::int[], $14::text[], $15::float8[], $16::float8[], $17::float8[],
      $18::float8[], $19::float8[], $20::float8[], $21::timestamp(3)[], $22::text[], $23::text[], $24::numeric[],
      $25::text[], $26::numeric[], $27::text[], $28::numeric[])
      AS v(id, orders, spent, first, last, recency, r, f, m, rfm, cluster, lifecycle, palive, churn, gaps, expected, aov, clv,
           next, explanation, ptype, ptypespend, vendor, vendorspend, collection, collectionspend)
    ON CONFLICT ("shopId", "customerId") DO UPDATE SET
      "orderCount" = EXCLUDED."orderCount", "totalSpent" = EXCLUDED."totalSpent",
      "firstOrderAt" = EXCLUDED."firstOrderAt", "lastOrderAt" = EXCLUDED."lastOrderAt",
      "recencyDays" = EXCLUDED."recencyDays", "r" = EXCLUDED."r", "f" = EXCLUDED."f", "m" = EXCLUDED."m",
      "rfmSegment" = EXCLUDED."rfmSegment", "cluster" = EXCLUDED."cluster", "lifecycle" = EXCLUDED."lifecycle",
      "pAlive" = EXCLUDED."pAlive", "churnRisk" = EXCLUDED."churnRisk", "interPurchaseDays" = EXCLUDED."interPurchaseDays",
      "expectedOrders" = EXCLUDED."expectedOrders", "expectedAov" = EXCLUDED."expectedAov",
      "clv" = EXCLUDED."clv", "nextOrderAt" = EXCLUDED."nextOrderAt", "explanation" = EXCLUDED."explanation",
      "topProductType" = EXCLUDED."topProductType", "topProductTypeSpend" = EXCLUDED."topProductTypeSpend",
      "topVendor" = EXCLUDED."topVendor", "topVendorSpend" = EXCLUDED."topVendorSpend",
      "topCollection" = EXCLUDED."topCollection", "topCollectionSpend" = EXCLUDED."topCollectionSpend",
      "computedAt" = EXCLUDED."computedAt"`,
    [
      shopId,
      computedAt.toISOString(),
      range.map((i) => s.customerIds[i]),
      range.map((i) => Math.round(s.orderCount[i])),
      range.map((i) => s.totalSpent[i].toFixed(2)),
      range.map((i) => isoOrNull(s.firstOrderAt[i])),
      range.map((i) => isoOrNull(s.lastOrderAt[i])),
      range.map((i) => finite(s.recencyDays[i])),
      range.map((i) => s.r[i]),
      range.map((i) => s.f[i]),
      range.map((i) => s.m[i]),
      range.map((i) => s.rfmSegment[i]),
      range.map((i) => s.cluster[i]),
      range.map((i) => s.lifecycle[i] ?? null),
      range.map((i) => finite(s.pAlive[i])),
      range.map((i) => finite(s.churnRisk[i])),
      range.map((i) => finite(s.interPurchaseDays[i])),
      range.map((i) => finite(s.expectedOrders[i])),
      range.map((i) => finite(s.expectedAov[i])),
      range.map((i) => finite(s.clv[i])),
      range.map((i) => isoOrNull(s.nextOrderAt[i])),
      range.map((i) => s.explanation[i] ?? ""),
      range.map((i) => s.topProductType[i] ?? null),
      range.map((i) => centsOrNull(s.topProductTypeSpend[i])),
      range.map((i) => s.topVendor[i] ?? null),
      range.map((i) => centsOrNull(s.topVendorSpend[i])),
      range.map((i) => s.topCollection[i] ?? null),
      range.map((i) => centsOrNull(s.topCollectionSpend[i])),
    ],
  );
  return result.rowCount ?? 0;
}

/** A stable pseudo-random number in [0, 1) per (customer, segment): who is held out never flips. */
function holdoutUnit(customerId: string, segmentKey: string): number {
  return createHash("sha1").update(`${customerId}:${segmentKey}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whether the customer is held out of the segment as its control group (`share` of 0 = nobody). */
export function isHeldOut(customerId: string, segmentKey: string, share: number): boolean {
  return share > 0 && holdoutUnit(customerId, segmentKey) < share;
}

export interface DesiredMemberships {
  customerId: string[];
  segmentKey: string[];
  control: boolean[];
}

export interface MembershipChange {
  entered: number;
  left: number;
  /** Members whose control-group flag flipped (the share changed). */
  controlChanged: number;
  total: number;
}

/**
 * Makes the shop's memberships exactly `desired` (optionally only for `customerIds`, for the
 * dynamic one-customer path), recording who entered (with their arm) and who left under `runId`
 * at `at` (the business clock of the move, where lift windows start), and touching
 * only memberships that change. The difference is computed on typed arrays: one mask per
 * segment over the desired customers (0 = not a member, 1 = member, 2 = control member).
 */
export async function replaceMemberships(
  db: Db,
  shopId: number,
  runId: bigint,
  at: Date,
  desired: DesiredMemberships,
  scope?: { customerIds: string[]; segmentKeys?: string[] },
): Promise<MembershipChange> {
  requireShopId(shopId);
  const customerIndex = new Map<string, number>();
  const customers: string[] = [];
  const segmentIndex = new Map<string, number>();
  const segments: string[] = [];
  const rowCustomer = new Int32Array(desired.customerId.length);
  const rowSegment = new Int32Array(desired.customerId.length);
  for (let row = 0; row < desired.customerId.length; row++) {
    const id = desired.customerId[row];
    let c = customerIndex.get(id);
    if (c === undefined) customerIndex.set(id, (c = customers.push(id) - 1));
    const key = desired.segmentKey[row];
    let k = segmentIndex.get(key);
    if (k === undefined) segmentIndex.set(key, (k = segments.push(key) - 1));
    rowCustomer[row] = c;
    rowSegment[row] = k;
  }
  const want = segments.map(() => new Uint8Array(customers.length));
  for (let row = 0; row < rowCustomer.length; row++)
    want[rowSegment[row]][rowCustomer[row]] = desired.control[row] ? 2 : 1;

  const leave = new Map<string, string[]>();
  const flip = new Map<string, { control: string[]; member: string[] }>();
  const push = <T>(map: Map<string, T>, key: string, make: () => T) => map.get(key) ?? map.set(key, make()).get(key)!;
  const seen = want.map(() => new Uint8Array(customers.length));

  await withPgConnection(db, async (client) => {
    const scopeFilter = scope
      ? ` AND "customerId" = ANY(${bigintArray(client, scope.customerIds)})` +
        (scope.segmentKeys
          ? ` AND "segmentKey" = ANY(ARRAY[${scope.segmentKeys.map((k) => client.escapeLiteral(k)).join(",")}]::text[])`
          : "")
      : "";
    await copyOut(
      client,
      `SELECT "customerId", "segmentKey", "control" FROM "Membership" WHERE "shopId" = ${shopId}${scopeFilter}`,
      (f) => {
        const key = copyText(f[1])!;
        const c = customerIndex.get(f[0]);
        const k = segmentIndex.get(key);
        const wanted = c === undefined || k === undefined ? 0 : want[k][c];
        if (wanted === 0) push(leave, key, () => []).push(f[0]);
        else {
          seen[k!][c!] = 1;
          if ((f[2] === "t") !== (wanted === 2)) {
            const flips = push(flip, key, () => ({ control: [], member: [] }));
            (wanted === 2 ? flips.control : flips.member).push(f[0]);
          }
        }
      },
    );
  });

  // The writes touch disjoint rows (a pair leaves, flips or enters, never two of these), so they
  // can run on several connections at once.
  const leaves: ShopWrite[] = [...leave].map(([key, ids]) => async (client) => {
    // One statement per segment (not chunked): any plan for it reads the segment at most once.
    const result = await client.query(
      `WITH gone AS (
         DELETE FROM "Membership" WHERE "shopId" = $1 AND "segmentKey" = $2 AND "customerId" = ANY($3::bigint[])
         RETURNING "customerId")
       INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered", "at")
       SELECT $1, $4, "customerId", $2, false, $5 FROM gone`,
      [shopId, key, ids, runId.toString(), at.toISOString()],
    );
    return result.rowCount ?? 0;
  });
  const flips: ShopWrite[] = [...flip].flatMap(([key, { control, member }]) =>
    (
      [
        [control, true],
        [member, false],
      ] as const
    )
      .filter(([ids]) => ids.length > 0)
      .map(([ids, value]) => async (client: pg.Client) => {
        const result = await client.query(
          `UPDATE "Membership" SET "control" = $4 WHERE "shopId" = $1 AND "segmentKey" = $2 AND "customerId" = ANY($3::bigint[])`,
          [shopId, key, ids, value],
        );
        return result.rowCount ?? 0;
      }),
  );
  const added: { customer: string[]; key: string[]; control: boolean[] } = { customer: [], key: [], control: [] };
  // Customer by customer in id order, the order of the primary key and of the customer index:
  // each chunk appends at their right edge instead of splitting pages all over them (1.7M rows
  // with their events: 36 s instead of 46 s). Database ids are far below 2^53.
  const idOf = Float64Array.from(customers, Number);
  const byId = Uint32Array.from(customers.keys()).sort((a, b) => idOf[a] - idOf[b]);
  for (const c of byId) {
    for (let k = 0; k < segments.length; k++) {
      if (want[k][c] === 0 || seen[k][c]) continue;
      added.customer.push(customers[c]);
      added.key.push(segments[k]);
      added.control.push(want[k][c] === 2);
    }
  }
  const entries: ShopWrite[] = [];
  for (let start = 0; start < added.customer.length; start += CHUNK * 5) {
    const end = start + CHUNK * 5;
    entries.push(async (client) => {
      const result = await client.query(
        `WITH added AS (
           INSERT INTO "Membership" ("shopId", "customerId", "segmentKey", "control")
           SELECT $1, v.c, v.k, v.control FROM unnest($2::bigint[], $3::text[], $4::boolean[]) AS v(c, k, control)
           ON CONFLICT ("shopId", "customerId", "segmentKey") DO NOTHING
           RETURNING "customerId", "segmentKey", "control")
         INSERT INTO "MembershipEvent" ("shopId", "runId", "customerId", "segmentKey", "entered", "at", "control")
         SELECT $1, $5, "customerId", "segmentKey", true, $6, "control" FROM added`,
        [
          shopId,
          added.customer.slice(start, end),
          added.key.slice(start, end),
          added.control.slice(start, end),
          runId.toString(),
          at.toISOString(),
        ],
      );
      return result.rowCount ?? 0;
    });
  }
  // The one-customer path writes a few rows: one connection.
  const counts = await writeConcurrently(db, shopId, [...leaves, ...flips, ...entries], scope ? 1 : WRITE_CONNECTIONS);
  const sum = (from: number, to: number) => counts.slice(from, to).reduce((a, b) => a + b, 0);
  return {
    entered: sum(leaves.length + flips.length, counts.length),
    left: sum(0, leaves.length),
    controlChanged: sum(leaves.length, leaves.length + flips.length),
    total: desired.customerId.length,
  };
}

/**
 * One snapshot row per segment of the shop (empty segments included) for this run. The members
 * are aggregated first, then matched to the few segments; nested loops are off for it because a
 * planner that believed the shop had no memberships or scores yet (statistics from before this
 * shop's first run) chose one that scanned every score once per member. Hash joins over the
 * shop's rows are right at any size.
 */
export async function writeSnapshots(db: Db, shopId: number, runId: bigint, at: Date): Promise<number> {
  requireShopId(shopId);
  return withPgConnection(db, async (client) => {
    await client.query("BEGIN");
    try {
      await client.query("SET LOCAL enable_nestloop = off");
      const result = await client.query(
        `INSERT INTO "SegmentSnapshot" ("shopId", "runId", "segmentKey", "size", "controlSize", "revenue", "avgClv",
           "emailReachable", "smsReachable", "at")
         SELECT s."shopId", $2, s."key", COALESCE(a.size, 0), COALESCE(a.control, 0), COALESCE(a.revenue, 0), a.clv,
           COALESCE(a.email, 0), COALESCE(a.sms, 0), $3
         FROM "Segment" s
         LEFT JOIN (
           SELECT m."segmentKey", COUNT(*) FILTER (WHERE NOT m."control") AS size, COUNT(*) FILTER (WHERE m."control") AS control,
             SUM(cs."totalSpent") AS revenue, AVG(cs."clv") AS clv,
             -- Reachable: members carrying the tag (holdouts get the control tag) subscribed to the channel.
             COUNT(*) FILTER (WHERE NOT m."control" AND c."emailMarketingState" = 'SUBSCRIBED') AS email,
             COUNT(*) FILTER (WHERE NOT m."control" AND c."smsMarketingState" = 'SUBSCRIBED') AS sms
           FROM "Membership" m LEFT JOIN "CustomerScore" cs ON cs."customerId" = m."customerId" AND cs."shopId" = $1
             LEFT JOIN "Customer" c ON c."id" = m."customerId" AND c."shopId" = $1
           WHERE m."shopId" = $1
           GROUP BY m."segmentKey"
         ) a ON a."segmentKey" = s."key"
         WHERE s."shopId" = $1`,
        [shopId, runId.toString(), at.toISOString()],
      );
      await client.query("COMMIT");
      return result.rowCount ?? 0;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  });
}
