import { appNow } from "~/clock.server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { findSegment } from "~/admin/segments.server";
import { kpiCsv, segmentPeriodKpis } from "~/admin/kpis.server";
import { kpiPeriodOf } from "~/segmentation/period-kpis";

// GET /app/export-kpis/<segment key>?period=week|month: the segment's period KPIs as a CSV download.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const segment = await findSegment(shop, params.segment ?? "");
  const period = kpiPeriodOf(new URL(request.url).searchParams.get("period"));
  const now = appNow();
  const kpis = await segmentPeriodKpis(shop, segment.key, period, now);
  if (!kpis.periods) return new Response("The KPIs took too long to compute; try again later.", { status: 503 });
  return new Response(kpiCsv(kpis.periods), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${segment.key}-kpis-${period}-${now.toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
