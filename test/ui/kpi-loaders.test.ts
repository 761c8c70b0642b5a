import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { queues } from "~/queues.server";
import { requireShop } from "~/admin/admin-shop.server";
import { KPI_CSV_COLUMNS, lastPeriodRevenue, segmentPeriodKpis } from "~/admin/kpis.server";
import { loader as segmentLoader } from "~/routes/app.segments.$key";
import { loader as kpiExportLoader } from "~/routes/app.export-kpis.$segment";
import type { PeriodKpi } from "~/segmentation/period-kpis";
import { seedAnalysedShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// Period KPIs of a segment's current members: a hand-built shop in New York time whose every
// figure is worked out below, and a seeded shop checked against the same figures computed in
// TypeScript from its raw member orders.

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
/** Sunday 1 November 2026, 08:00 in New York: the current month is November, the current week began Monday 26 October. */
const NOW = new Date("2026-11-01T12:00:00Z");

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;
async function call<T>(handler: Handler, shop: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`),
  );
  try {
    return (await handler({ request, params, context: {} })) as T;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown as T;
    throw thrown;
  }
}

let domain: string;
let shopId: number;

interface OrderSpec {
  at: string;
  total: number;
  refunded?: number;
  cancelled?: boolean;
  test?: boolean;
  deleted?: boolean;
}

beforeAll(async () => {
  domain = uniqueShopDomain("kpis");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  const shop = await db.shop.create({ data: { domain, currency: "USD", timezone: "America/New_York" } });
  shopId = shop.id;
  const base = BigInt(shopId) * 1_000_000n;
  const customers: Record<string, { deleted?: boolean; segments: [string, boolean][]; orders: OrderSpec[] }> = {
    // A: a first order in August (partly refunded), one in September; a cancelled and a test order.
    A: {
      segments: [
        ["rule-x", false],
        ["rule-y", false],
      ],
      orders: [
        { at: "2026-08-15T16:00:00Z", total: 100, refunded: 30 },
        { at: "2026-09-10T16:00:00Z", total: 50 },
        { at: "2026-09-20T16:00:00Z", total: 20, cancelled: true },
        { at: "2026-10-05T16:00:00Z", total: 40, test: true },
      ],
    },
    // B (a control holdout, counted all the same): a first order long before the window, then one on
    // 30 September at 23:30 in New York (1 October in UTC).
    B: {
      segments: [["rule-x", true]],
      orders: [
        { at: "2025-05-01T16:00:00Z", total: 80 },
        { at: "2026-10-01T03:30:00Z", total: 60 },
      ],
    },
    // C: 31 October at 22:00 in New York (1 November in UTC), an order refunded beyond its total
    // (counts, at 0), a deleted one, and one in the current month (not complete: not shown).
    C: {
      segments: [["rule-x", false]],
      orders: [
        { at: "2026-11-01T02:00:00Z", total: 25 },
        { at: "2026-10-12T16:00:00Z", total: 10, refunded: 15 },
        { at: "2026-10-10T16:00:00Z", total: 70, deleted: true },
        { at: "2026-11-01T10:00:00Z", total: 999 },
      ],
    },
    // D: not in rule-x; in rule-y with an October order.
    D: {
      segments: [["rule-y", false]],
      orders: [
        { at: "2026-09-05T16:00:00Z", total: 500 },
        { at: "2026-10-20T16:00:00Z", total: 200 },
      ],
    },
    // E: a deleted customer whose membership is still there: left out.
    E: { deleted: true, segments: [["rule-x", false]], orders: [{ at: "2026-09-06T16:00:00Z", total: 300 }] },
  };
  for (const key of ["rule-x", "rule-y"]) {
    await db.segment.create({ data: { shopId, key, kind: "RULE", name: key } });
  }
  let n = 0n;
  for (const [name, spec] of Object.entries(customers)) {
    const shopifyId = base + BigInt(name.charCodeAt(0));
    const customer = await db.customer.create({
      data: { shopId, shopifyId, email: `${name}@example.com`, deletedAt: spec.deleted ? NOW : null },
    });
    for (const [segmentKey, control] of spec.segments) {
      await db.membership.create({ data: { shopId, customerId: customer.id, segmentKey, control } });
    }
    for (const order of spec.orders) {
      await db.order.create({
        data: {
          shopId,
          shopifyId: base + 1_000n + n++,
          customerShopifyId: shopifyId,
          processedAt: new Date(order.at),
          shopifyUpdatedAt: new Date(order.at),
          currency: "USD",
          totalPrice: order.total,
          totalRefunded: order.refunded ?? 0,
          cancelledAt: order.cancelled ? new Date(order.at) : null,
          test: order.test ?? false,
          deletedAt: order.deleted ? NOW : null,
        },
      });
    }
  }
});

afterAll(() => queues().close());

const empty = (start: string, retention: number | null = null): PeriodKpi => ({
  start,
  revenue: 0,
  orders: 0,
  buyers: 0,
  aov: null,
  repeatRate: null,
  retention,
});

describe("period KPIs", () => {
  it("per month in the shop's time zone, net of refunds, live orders only, of the current members", async () => {
    const shop = await requireShop(domain);
    const kpis = await segmentPeriodKpis(shop, "rule-x", "month", NOW);
    expect(kpis.members).toBe(4);
    expect(kpis.timezone).toBe("America/New_York");
    const months = kpis.periods!;
    expect(months).toHaveLength(12);
    expect(months[0].start).toBe("2025-11-01");
    expect(months[11].start).toBe("2026-10-01");
    expect(months.slice(0, 9)).toEqual(
      ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"].map((m) =>
        empty(`${m}-01`),
      ),
    );
    expect(months.slice(9)).toEqual([
      // A's first order, 100 less 30 refunded.
      { start: "2026-08-01", revenue: 70, orders: 1, buyers: 1, aov: 70, repeatRate: 0, retention: null },
      // A again (bought in August: returning, retained) and B (bought in 2025: returning).
      { start: "2026-09-01", revenue: 110, orders: 2, buyers: 2, aov: 55, repeatRate: 1, retention: 1 },
      // C's two orders, one of them refunded in full: new, and neither September buyer came back.
      { start: "2026-10-01", revenue: 25, orders: 2, buyers: 1, aov: 12.5, repeatRate: 0, retention: 0 },
    ]);
  });

  it("per week (Monday to Sunday); the current week is not complete and not shown", async () => {
    const shop = await requireShop(domain);
    const weeks = (await segmentPeriodKpis(shop, "rule-x", "week", NOW)).periods!;
    expect(weeks).toHaveLength(26);
    expect(weeks[0].start).toBe("2026-04-27");
    expect(weeks[25].start).toBe("2026-10-19");
    const nonEmpty = weeks.filter((w) => w.orders > 0);
    expect(nonEmpty).toEqual([
      { start: "2026-08-10", revenue: 70, orders: 1, buyers: 1, aov: 70, repeatRate: 0, retention: null },
      { start: "2026-09-07", revenue: 50, orders: 1, buyers: 1, aov: 50, repeatRate: 1, retention: null },
      { start: "2026-09-28", revenue: 60, orders: 1, buyers: 1, aov: 60, repeatRate: 1, retention: null },
      { start: "2026-10-12", revenue: 0, orders: 1, buyers: 1, aov: 0, repeatRate: 0, retention: null },
    ]);
    // The week after a purchase week: nobody came back.
    expect(weeks.find((w) => w.start === "2026-10-19")).toEqual(empty("2026-10-19", 0));
  });

  it("each segment's revenue in the last complete month, from that month's orders", async () => {
    const shop = await requireShop(domain);
    const last = await lastPeriodRevenue(shop, "month", NOW);
    expect(last.start).toBe("2026-10-01");
    expect(Object.fromEntries(last.bySegment!)).toEqual({
      "rule-x": { revenue: 25, orders: 2 },
      "rule-y": { revenue: 200, orders: 1 },
    });
    const week = await lastPeriodRevenue(shop, "week", NOW);
    expect(week.start).toBe("2026-10-19");
    expect(Object.fromEntries(week.bySegment!)).toEqual({ "rule-y": { revenue: 200, orders: 1 } });
  });

  it("the segment page and the CSV export serve them, scoped to the session's shop", async () => {
    const page = await call<Awaited<ReturnType<typeof segmentLoader>>>(
      segmentLoader,
      domain,
      "/app/segments/rule-x?kpis=week",
      { key: "rule-x" },
    );
    expect(page.kpis.period).toBe("week");
    expect(page.kpis.periods).toHaveLength(26);

    const response = await call<Response>(kpiExportLoader, domain, "/app/export-kpis/rule-x?period=month", {
      segment: "rule-x",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toMatch(/filename="rule-x-kpis-month-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe(KPI_CSV_COLUMNS.join(","));
    expect(lines).toHaveLength(13);
    // The route reads the suite's pinned clock, 2026-11-01T00:00Z: still 31 October in New York,
    // so the last complete month is September.
    expect(lines[1]).toBe("2025-10-01,0.00,0,0,,,");
    expect(lines[11]).toBe("2026-08-01,70.00,1,1,70.00,0.0000,");
    expect(lines[12]).toBe("2026-09-01,110.00,2,2,55.00,1.0000,1.0000");

    // Another shop's session cannot read this shop's segment.
    const other = uniqueShopDomain("kpis-other");
    await sessionStorage.storeSession(
      setUpValidSession({ shop: other, expires: undefined, scope: process.env.SCOPES }),
    );
    await db.shop.create({ data: { domain: other } });
    const denied = await call<Response>(kpiExportLoader, other, "/app/export-kpis/rule-x", { segment: "rule-x" });
    expect(denied.status).toBe(404);
  });

  it("equal the same figures computed in TypeScript from the raw member orders of a seeded shop", async () => {
    const seeded = await seedAnalysedShop(uniqueShopDomain("kpis-seeded"), 400, NOW);
    const shop = await requireShop(seeded.domain);
    for (const segmentKey of ["rfm-champions", "lifecycle-active", "rfm-hibernating"]) {
      const rows = await db.$queryRaw<{ customerId: bigint; at: Date; net: number }[]>`
        SELECT m."customerId", o."processedAt" AS "at", GREATEST(0, o."totalPrice" - o."totalRefunded")::float8 AS "net"
        FROM "Membership" m
        JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
        JOIN "Order" o ON o."shopId" = c."shopId" AND o."customerShopifyId" = c."shopifyId"
        WHERE m."shopId" = ${seeded.shopId} AND m."segmentKey" = ${segmentKey}
          AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL AND c."deletedAt" IS NULL`;
      expect(rows.length).toBeGreaterThan(0);
      for (const period of ["month", "week"] as const) {
        const expected = expectedKpis(rows, period, NOW);
        const actual = (await segmentPeriodKpis(shop, segmentKey, period, NOW)).periods!;
        expect(actual.map((p) => p.start)).toEqual(expected.map((p) => p.start));
        for (let i = 0; i < actual.length; i++) {
          expect({ ...actual[i], revenue: Math.round(actual[i].revenue) }).toEqual({
            ...expected[i],
            revenue: Math.round(expected[i].revenue),
          });
          expect(actual[i].revenue).toBeCloseTo(expected[i].revenue, 2);
        }
        expect(actual.some((p) => p.orders > 0)).toBe(true);
      }
    }
  });
});

/** The KPIs by hand, in UTC (the seeded shop's zone): bucket the orders, then count. */
function expectedKpis(rows: { customerId: bigint; at: Date; net: number }[], period: "month" | "week", now: Date) {
  const startOf = (t: Date) => {
    if (period === "month") return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
    const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
    return day - ((t.getUTCDay() + 6) % 7) * 86_400_000;
  };
  const step = (start: number, by: number) => {
    if (period === "week") return start + by * 7 * 86_400_000;
    const d = new Date(start);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + by, 1);
  };
  const count = period === "month" ? 12 : 26;
  const current = startOf(now);
  const starts = Array.from({ length: count + 1 }, (_, i) => step(current, i - count - 1));
  const firstPeriod = new Map<bigint, number>();
  const bought = new Map<number, Map<bigint, { orders: number; revenue: number }>>();
  for (const row of rows) {
    const p = startOf(row.at);
    if (p >= current) continue;
    firstPeriod.set(row.customerId, Math.min(p, firstPeriod.get(row.customerId) ?? Infinity));
    const buyers = bought.get(p) ?? new Map();
    const b = buyers.get(row.customerId) ?? { orders: 0, revenue: 0 };
    b.orders++;
    b.revenue += row.net;
    buyers.set(row.customerId, b);
    bought.set(p, buyers);
  }
  return starts.slice(1).map((start, i): PeriodKpi => {
    const buyers = bought.get(start) ?? new Map<bigint, { orders: number; revenue: number }>();
    const previous = bought.get(starts[i]) ?? new Map();
    const orders = [...buyers.values()].reduce((s, b) => s + b.orders, 0);
    const revenue = [...buyers.values()].reduce((s, b) => s + b.revenue, 0);
    const returning = [...buyers.keys()].filter((c) => firstPeriod.get(c)! < start).length;
    const retained = [...buyers.keys()].filter((c) => previous.has(c)).length;
    return {
      start: new Date(start).toISOString().slice(0, 10),
      revenue: Math.round(revenue * 100) / 100,
      orders,
      buyers: buyers.size,
      aov: orders > 0 ? Math.round((revenue / orders) * 100) / 100 : null,
      repeatRate: buyers.size > 0 ? returning / buyers.size : null,
      retention: previous.size > 0 ? retained / previous.size : null,
    };
  });
}
