import { appNow } from "~/clock.server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { findSegment } from "~/admin/segments.server";
import { memberCsvStream } from "~/admin/export.server";
import { recordAccess, staffUserOf } from "~/admin/access-log.server";

// GET /app/export/<segment key>: the segment's members as a streamed CSV download.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop, sessionToken } = await requireAdminShop(request);
  const segment = await findSegment(shop, params.segment ?? "");
  await recordAccess(shop, staffUserOf(sessionToken), "segment.export", segment.key);
  const day = appNow().toISOString().slice(0, 10);
  return new Response(memberCsvStream(shop, segment.key), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${segment.key}-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
