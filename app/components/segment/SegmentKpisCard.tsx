import { BlockStack, Box, DataTable, InlineGrid, Tabs, Text } from "@shopify/polaris";
import type { SegmentKpisView } from "~/admin/kpis.server";
import type { PeriodKpi } from "~/segmentation/period-kpis";
import { LineChart } from "../charts/LineChart";
import { ExportButton } from "../ExportButton";
import { SectionCard } from "../SectionCard";
import { Stat } from "../Stat";
import { formatMoney, formatMoneyOrDash, formatNumber, formatPercent } from "../format";
import { useSearchParams } from "@remix-run/react";

const PERIODS = [
  { id: "month", content: "Monthly" },
  { id: "week", content: "Weekly" },
] as const;

const percentOrDash = (x: number | null) => (x === null ? "–" : formatPercent(x, 0));

/** "Aug 2026" for a month, "Week of Aug 3, 2026" for a week (local dates, shown as such). */
function periodLabel(start: string, period: SegmentKpisView["period"]): string {
  const date = new Date(`${start}T00:00:00Z`);
  if (period === "month") return date.toLocaleDateString("en-US", { month: "short", year: "numeric", timeZone: "UTC" });
  return `Week of ${date.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" })}`;
}

/** The segment's current members' revenue, orders, AOV, repeat rate and retention per week or month. */
export function SegmentKpisCard({
  kpis,
  segmentKey,
  currency,
}: {
  kpis: SegmentKpisView;
  segmentKey: string;
  currency: string;
}) {
  const [, setParams] = useSearchParams();
  // Replaces the history entry: switching the card's tab is not a page of its own.
  const showPeriod = (period: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set("kpis", period);
        return next;
      },
      { replace: true, preventScrollReset: true },
    );
  const periods = kpis.periods ?? [];
  const latest: PeriodKpi | undefined = periods[periods.length - 1];
  const unit = kpis.period === "month" ? "month" : "week";
  return (
    <SectionCard
      title="Revenue and orders over time"
      description={`What today's ${formatNumber(kpis.members)} members bought per complete ${unit} (net of refunds, ${kpis.timezone})`}
      action={
        kpis.periods && (
          <ExportButton
            url={`/app/export-kpis/${segmentKey}?period=${kpis.period}`}
            filename={`${segmentKey}-kpis-${kpis.period}.csv`}
            label="Export KPIs (CSV)"
          />
        )
      }
    >
      <Tabs
        tabs={PERIODS.map((p) => ({ ...p }))}
        selected={kpis.period === "week" ? 1 : 0}
        onSelect={(index) => showPeriod(PERIODS[index].id)}
      />
      {!kpis.periods ? (
        <Text as="p" tone="subdued">
          This segment has too many orders to total within a few seconds. Export its members instead, or try again
          later.
        </Text>
      ) : (
        <BlockStack gap="400">
          {latest && (
            <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
              <Stat
                label={`Revenue, ${periodLabel(latest.start, kpis.period)}`}
                value={formatMoney(latest.revenue, currency)}
              />
              <Stat label="Orders" value={formatNumber(latest.orders)} />
              <Stat label="Average order value" value={formatMoneyOrDash(latest.aov, currency)} />
              <Stat
                label="Repeat rate"
                value={percentOrDash(latest.repeatRate)}
                detail="buyers who had bought before"
              />
              <Stat label="Retention" value={percentOrDash(latest.retention)} detail={`of last ${unit}'s buyers`} />
            </InlineGrid>
          )}
          <LineChart
            title={`Revenue per ${unit} (${currency})`}
            series={[
              { name: "Revenue", points: periods.map((p) => ({ at: `${p.start}T00:00:00Z`, value: p.revenue })) },
            ]}
            format={(v) => formatMoney(v, currency)}
          />
          <Box>
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
              headings={[unit === "month" ? "Month" : "Week", "Revenue", "Orders", "AOV", "Repeat rate", "Retention"]}
              rows={[...periods]
                .reverse()
                .map((p) => [
                  periodLabel(p.start, kpis.period),
                  formatMoney(p.revenue, currency),
                  formatNumber(p.orders),
                  formatMoneyOrDash(p.aov, currency),
                  percentOrDash(p.repeatRate),
                  percentOrDash(p.retention),
                ])}
            />
          </Box>
        </BlockStack>
      )}
    </SectionCard>
  );
}
