import { Text } from "@shopify/polaris";
import type { SegmentRow, SizePoint } from "~/admin/segments.server";
import { LineChart } from "../charts/LineChart";
import { SectionCard } from "../SectionCard";
import { formatNumber } from "../format";

const MAX_SERIES = 6;

export interface RfmSizeHistoryCardProps {
  segments: Pick<SegmentRow, "key" | "kind" | "name" | "size">[];
  /** Size per run of each RFM segment, by segment key. */
  sizeHistory: Record<string, SizePoint[]>;
}

/** The largest RFM segments' sizes over the last 90 days. */
export function RfmSizeHistoryCard({ segments, sizeHistory }: RfmSizeHistoryCardProps) {
  const series = segments
    .filter((s) => s.kind === "RFM" && sizeHistory[s.key]?.length)
    .sort((a, b) => b.size - a.size)
    .slice(0, MAX_SERIES)
    .map((s) => ({ name: s.name, points: sizeHistory[s.key].map((p) => ({ at: p.at, value: p.size })) }));
  return (
    <SectionCard title="RFM segment sizes over time">
      {series.length > 0 ? (
        <LineChart title="Customers per RFM segment, last 90 days" series={series} format={formatNumber} />
      ) : (
        <Text as="p" tone="subdued">
          The chart fills in after a few daily runs.
        </Text>
      )}
    </SectionCard>
  );
}
