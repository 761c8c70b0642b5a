import { DataTable, InlineGrid } from "@shopify/polaris";
import type { CustomerDetail } from "~/admin/customers.server";
import { SectionCard } from "../SectionCard";
import { Stat } from "../Stat";
import { formatDate, formatMoneyOrDash, formatNumber, formatShare } from "../format";

/** The customer's order totals, discount and channel shares, and most recent orders (net of refunds). */
export function CustomerOrdersCard({ orders, currency }: { orders: CustomerDetail["orders"]; currency: string }) {
  return (
    <SectionCard title="Orders">
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
        <Stat label="Orders" value={formatNumber(orders.count)} />
        <Stat label="Net spent" value={formatMoneyOrDash(orders.net, currency)} />
        <Stat label="Average order" value={formatMoneyOrDash(orders.averageValue, currency)} />
        <Stat label="First – last order" value={`${formatDate(orders.first)} – ${formatDate(orders.last)}`} />
        <Stat
          label="With a discount"
          value={formatShare(orders.discounted, orders.count)}
          detail={orders.count > 0 && orders.discounted === 0 ? "full-price buyer" : undefined}
        />
        <Stat label="Online" value={formatShare(orders.online, orders.count)} />
        <Stat label="In store (POS)" value={formatShare(orders.pos, orders.count)} />
      </InlineGrid>
      {orders.recent.length > 0 && (
        <DataTable
          columnContentTypes={["text", "text", "numeric", "text"]}
          headings={["Order", "Date", "Total", "Status"]}
          rows={orders.recent.map((o) => [
            o.name,
            formatDate(o.processedAt),
            formatMoneyOrDash(o.total - o.refunded, currency),
            o.status,
          ])}
        />
      )}
    </SectionCard>
  );
}
