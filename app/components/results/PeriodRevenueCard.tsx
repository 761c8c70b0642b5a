import { Box, IndexTable, Tabs, Text } from "@shopify/polaris";
import type { RevenueRankingView } from "~/admin/kpis.server";
import { KindBadge } from "../KindBadge";
import { SectionCard } from "../SectionCard";
import { formatMoney, formatMoneyOrDash, formatNumber } from "../format";
import { NumericCell, SegmentLinkCell } from "~/components/table-cells";

const PERIODS = [
  { id: "month", content: "Last month" },
  { id: "week", content: "Last week" },
] as const;

/** Every enabled segment ranked by what its current members spent in the last complete period. */
export function PeriodRevenueCard({
  revenue,
  currency,
  onPeriod,
}: {
  revenue: RevenueRankingView;
  currency: string;
  onPeriod: (period: "month" | "week") => void;
}) {
  return (
    <SectionCard
      flush
      title={`Revenue by segment, ${revenue.label}`}
      description="What each segment's current members spent in the last complete period, net of refunds. A customer in several segments counts in each."
    >
      <Tabs
        tabs={PERIODS.map((p) => ({ ...p }))}
        selected={revenue.period === "week" ? 1 : 0}
        onSelect={(index) => onPeriod(PERIODS[index].id)}
      />
      {!revenue.computed ? (
        <Box padding="400">
          <Text as="p" tone="subdued">
            Too many orders to total within a few seconds; each segment&apos;s page shows its own.
          </Text>
        </Box>
      ) : (
        <IndexTable
          resourceName={{ singular: "segment", plural: "segments" }}
          itemCount={revenue.segments.length}
          selectable={false}
          headings={[
            { title: "Rank", alignment: "end" },
            { title: "Segment" },
            { title: "Kind" },
            { title: "Revenue", alignment: "end" },
            { title: "Orders", alignment: "end" },
            { title: "Average order value", alignment: "end" },
          ]}
        >
          {revenue.segments.map((row, index) => (
            <IndexTable.Row id={`revenue-${row.key}`} key={row.key} position={index}>
              <NumericCell>{index + 1}</NumericCell>
              <SegmentLinkCell segmentKey={row.key} name={row.name} />
              <IndexTable.Cell>
                <KindBadge kind={row.kind} />
              </IndexTable.Cell>
              <NumericCell>{formatMoney(row.revenue, currency)}</NumericCell>
              <NumericCell>{formatNumber(row.orders)}</NumericCell>
              <NumericCell>{formatMoneyOrDash(row.aov, currency)}</NumericCell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      )}
    </SectionCard>
  );
}
