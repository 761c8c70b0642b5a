import { appNow } from "~/clock.server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { findSegment } from "~/models/segments.server";
import { memberCsvStream } from "~/models/export.server";

// GET /app/export/<segment key>: the segment's members as a streamed CSV download.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const segment = await findSegment(shop, params.segment ?? "");
  const day = appNow().toISOString().slice(0, 10);
  return new Response(memberCsvStream(shop, segment.key), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${segment.key}-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
