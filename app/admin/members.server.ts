import { Prisma } from "~/generated/prisma/client";
import type { SegmentKind } from "~/generated/prisma/client";
import { openCustomerRow } from "~/privacy/personal-data.server";
import { jobDataDb } from "./job-data-db.server";
import type { ShopContext } from "./admin-shop.server";

// A segment's members, one page at a time. Keyset pagination on (sort value, customer id): every
// page costs the same whether it is the first or the ten-thousandth of a million members.

const MEMBER_SORTS = {
  clv: Prisma.sql`COALESCE(s."clv", -1)`,
  pAlive: Prisma.sql`COALESCE(s."pAlive", -1)`,
  lastOrder: Prisma.sql`COALESCE(EXTRACT(EPOCH FROM s."lastOrderAt"), 0)::float8`,
} as const;
export type MemberSort = keyof typeof MEMBER_SORTS;

export interface MemberQuery {
  sort: MemberSort;
  direction: "asc" | "desc";
  /** Opaque cursor: the page starts after it (or ends before it, with `before`). */
  after?: string;
  before?: string;
  pageSize: number;
}

export interface MemberRow {
  id: string;
  shopifyId: string;
  name: string;
  email: string | null;
  control: boolean;
  since: string;
  orderCount: number;
  totalSpent: number;
  clv: number | null;
  pAlive: number | null;
  lastOrderAt: string | null;
}

export interface MemberPage {
  members: MemberRow[];
  /** Cursors of the first and last row, for the previous and next page links. */
  previous: string | null;
  next: string | null;
}

interface Cursor {
  v: number;
  id: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(value: string | undefined): Cursor | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Cursor;
    if (typeof parsed.v === "number" && Number.isFinite(parsed.v) && /^\d{1,19}$/.test(parsed.id)) return parsed;
  } catch {
    // A tampered cursor just restarts at the first page.
  }
  return null;
}

/** Reads sort/direction/cursor/page size from a URL's query, with safe defaults and limits. */
export function memberQueryFrom(url: URL): MemberQuery {
  const sort = url.searchParams.get("sort");
  const direction = url.searchParams.get("direction") === "asc" ? "asc" : "desc";
  const pageSize = Math.min(100, Math.max(10, Number(url.searchParams.get("pageSize")) || 25));
  return {
    sort: sort && sort in MEMBER_SORTS ? (sort as MemberSort) : "clv",
    direction,
    after: url.searchParams.get("after") ?? undefined,
    before: url.searchParams.get("before") ?? undefined,
    pageSize,
  };
}

/** A member as the member queries read it: customer, membership and score columns. */
export interface MemberRecord {
  id: bigint;
  shopifyId: bigint;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  control: boolean;
  since: Date;
  orderCount: number | null;
  totalSpent: Prisma.Decimal | null;
  clv: number | null;
  pAlive: number | null;
  lastOrderAt: Date | null;
}

interface RawMember extends MemberRecord {
  sortValue: number;
}

export function displayName(
  row: { firstName: string | null; lastName: string | null; email: string | null },
  id: bigint | string,
): string {
  const name = [row.firstName, row.lastName].filter(Boolean).join(" ").trim();
  return name || row.email || `Customer ${id}`;
}

export async function segmentMembers(shop: ShopContext, segmentKey: string, query: MemberQuery): Promise<MemberPage> {
  const sortValue = MEMBER_SORTS[query.sort];
  const backwards = Boolean(query.before) && !query.after;
  const cursor = decodeCursor(backwards ? query.before : query.after);
  // Walking backwards is the same walk with the order flipped, then reversed.
  const descending = (query.direction === "desc") !== backwards;
  const order = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const keyset = cursor
    ? descending
      ? Prisma.sql`AND (${sortValue}, m."customerId") < (${cursor.v}::float8, ${cursor.id}::bigint)`
      : Prisma.sql`AND (${sortValue}, m."customerId") > (${cursor.v}::float8, ${cursor.id}::bigint)`
    : Prisma.empty;

  const rows = await jobDataDb().$queryRaw<RawMember[]>`
    SELECT c."id", c."shopifyId", c."firstName", c."lastName", c."email", m."control", m."since",
      s."orderCount", s."totalSpent", s."clv", s."pAlive", s."lastOrderAt", ${sortValue} AS "sortValue"
    FROM "Membership" m
    JOIN "Customer" c ON c."id" = m."customerId" AND c."shopId" = m."shopId"
    LEFT JOIN "CustomerScore" s ON s."shopId" = m."shopId" AND s."customerId" = m."customerId"
    WHERE m."shopId" = ${shop.id} AND m."segmentKey" = ${segmentKey} ${keyset}
    ORDER BY ${sortValue} ${order}, m."customerId" ${order}
    LIMIT ${query.pageSize + 1}`;

  const hasMore = rows.length > query.pageSize;
  const page = rows.slice(0, query.pageSize);
  if (backwards) page.reverse();
  const cursorOf = (row: RawMember) => encodeCursor({ v: row.sortValue, id: row.id.toString() });
  const first = page[0];
  const last = page[page.length - 1];
  return {
    members: page
      .map((stored) => openCustomerRow(shop.id, stored))
      .map((row) => ({
        id: row.id.toString(),
        shopifyId: row.shopifyId.toString(),
        name: displayName(row, row.id),
        email: row.email,
        control: row.control,
        since: row.since.toISOString(),
        orderCount: row.orderCount ?? 0,
        totalSpent: row.totalSpent ? Number(row.totalSpent) : 0,
        clv: row.clv,
        pAlive: row.pAlive,
        lastOrderAt: row.lastOrderAt?.toISOString() ?? null,
      })),
    // Going forward there is a previous page whenever we started from a cursor, and vice versa.
    previous: first && (backwards ? hasMore : Boolean(cursor)) ? cursorOf(first) : null,
    next: last && (backwards ? Boolean(cursor) : hasMore) ? cursorOf(last) : null,
  };
}

export interface Movement {
  runId: string | null;
  runAt: string | null;
  entered: number;
  left: number;
  /** Segments of the same kind that entering members left in that run (most first). */
  cameFrom: { key: string; name: string; count: number }[];
  /** Segments of the same kind that leaving members entered in that run. */
  wentTo: { key: string; name: string; count: number }[];
}

/** Where members came from and went to in the newest compute run. */
export async function segmentMovement(shop: ShopContext, segmentKey: string, kind: SegmentKind): Promise<Movement> {
  const run = await jobDataDb().run.findFirst({
    where: { shopId: shop.id, kind: "COMPUTE", status: "SUCCEEDED" },
    orderBy: { createdAt: "desc" },
    select: { id: true, finishedAt: true, createdAt: true },
  });
  if (!run) return { runId: null, runAt: null, entered: 0, left: 0, cameFrom: [], wentTo: [] };

  const totals = await jobDataDb().$queryRaw<{ entered: boolean; count: bigint }[]>`
    SELECT "entered", count(*) AS "count" FROM "MembershipEvent"
    WHERE "shopId" = ${shop.id} AND "runId" = ${run.id} AND "segmentKey" = ${segmentKey}
    GROUP BY "entered"`;
  const flows = (entered: boolean) => jobDataDb().$queryRaw<{ key: string; name: string; count: bigint }[]>`
    SELECT other."segmentKey" AS "key", g."name", count(*) AS "count"
    FROM "MembershipEvent" mine
    JOIN "MembershipEvent" other ON other."shopId" = mine."shopId" AND other."runId" = mine."runId"
      AND other."customerId" = mine."customerId" AND other."entered" <> mine."entered"
    JOIN "Segment" g ON g."shopId" = other."shopId" AND g."key" = other."segmentKey" AND g."kind"::text = ${kind}
    WHERE mine."shopId" = ${shop.id} AND mine."runId" = ${run.id} AND mine."segmentKey" = ${segmentKey}
      AND mine."entered" = ${entered} AND other."segmentKey" <> ${segmentKey}
    GROUP BY other."segmentKey", g."name"
    ORDER BY count(*) DESC, other."segmentKey"
    LIMIT 10`;
  const [cameFrom, wentTo] = await Promise.all([flows(true), flows(false)]);
  const toFlow = (rows: { key: string; name: string; count: bigint }[]) =>
    rows.map((row) => ({ key: row.key, name: row.name, count: Number(row.count) }));
  return {
    runId: run.id.toString(),
    runAt: (run.finishedAt ?? run.createdAt).toISOString(),
    entered: Number(totals.find((t) => t.entered)?.count ?? 0),
    left: Number(totals.find((t) => !t.entered)?.count ?? 0),
    cameFrom: toFlow(cameFrom),
    wentTo: toFlow(wentTo),
  };
}
