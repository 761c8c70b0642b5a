// Admin pages at scale: a shop with N customers (scores, memberships, orders, snapshots seeded
// in SQL) and the time each page's reads take — overview, segment list, a segment's first and
// 20th member page, a customer, cohorts (the run's stored table; then without it: the fallback
// over the orders with its budget, and without the budget), the first CSV batch.
import { prepareBenchDatabase } from "./env";

export interface AdminFigure {
  page: string;
  ms: number;
}

export async function benchAdmin(customers = 1_000_000): Promise<AdminFigure[]> {
  await prepareBenchDatabase();
  const { default: db } = await import("~/db.server");
  const { seedAnalysedShop } = await import("../helpers/seed-analysis");
  const { requireShop } = await import("~/admin/admin-shop.server");
  const { shopOverview } = await import("~/admin/overview.server");
  const { listSegments, segmentSummary } = await import("~/admin/segments.server");
  const { segmentMembers, segmentMovement } = await import("~/admin/members.server");
  const { customerDetail } = await import("~/admin/customers.server");
  const { cohortTable, cohortsFromOrders } = await import("~/admin/cohorts.server");
  const { appNow } = await import("~/clock.server");
  const { memberCsvStream } = await import("~/admin/export.server");

  const domain = `admin-bench-${Date.now()}.myshopify.com`;
  const figures: AdminFigure[] = [];
  const time = async <T>(page: string, read: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await read();
    figures.push({ page, ms: Math.round(performance.now() - started) });
    return result;
  };
  try {
    const seeded = await time(`seed ${customers} customers (not a page)`, () =>
      seedAnalysedShop(domain, customers, appNow()),
    );
    await db.$executeRawUnsafe("ANALYZE");
    const shop = await requireShop(domain);
    await time("overview", () => shopOverview(shop));
    const segments = await time("segments list", () => listSegments(shop));
    const biggest = [...segments].sort((a, b) => b.size - a.size)[0];
    await time(`segment ${biggest.key} (${biggest.size} members): summary`, () => segmentSummary(shop, biggest.key));
    await time("segment: movement", () => segmentMovement(shop, biggest.key, biggest.kind));
    let page = await time("segment: first member page (by CLV)", () =>
      segmentMembers(shop, biggest.key, { sort: "clv", direction: "desc", pageSize: 25 }),
    );
    for (let i = 1; i < 19 && page.next; i++)
      page = await segmentMembers(shop, biggest.key, {
        sort: "clv",
        direction: "desc",
        after: page.next,
        pageSize: 25,
      });
    await time("segment: 20th member page", () =>
      segmentMembers(shop, biggest.key, {
        sort: "clv",
        direction: "desc",
        after: page.next ?? undefined,
        pageSize: 25,
      }),
    );
    await time("customer detail", () => customerDetail(shop, seeded.firstCustomerId.toString()));
    await time("cohorts", () => cohortTable(shop));
    await db.shopModel.delete({ where: { shopId: shop.id } });
    await time("cohorts, no stored table: fallback within its budget", () => cohortTable(shop));
    await time("cohorts, no stored table: fallback unbounded (not a page)", () =>
      cohortsFromOrders(shop, 12, appNow(), 600_000),
    );
    await time("CSV export: first 2,000 rows", async () => {
      const reader = memberCsvStream(shop, biggest.key).getReader();
      let bytes = 0;
      while (bytes < 200_000) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.length;
      }
      await reader.cancel();
    });
    return figures;
  } finally {
    await db.shop.deleteMany({ where: { domain } });
    await db.$disconnect();
  }
}
