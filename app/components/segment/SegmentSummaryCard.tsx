import { InlineGrid, Text } from "@shopify/polaris";
import type { SegmentRow } from "~/admin/segments.server";
import { SectionCard } from "../SectionCard";
import { Stat } from "../Stat";
import { formatMoney, formatMoneyOrDash, formatNumber, formatShare, formatTrend } from "../format";

export interface SegmentSummaryCardProps {
  segment: Pick<
    SegmentRow,
    "description" | "size" | "sizeWeekAgo" | "revenue" | "avgClv" | "controlSize" | "emailReachable" | "smsReachable"
  > & {
    ruleText: string | null;
  };
  currency: string;
}

/** "Who is in it": the segment's definition and its headline figures. */
export function SegmentSummaryCard({ segment, currency }: SegmentSummaryCardProps) {
  const trend = formatTrend(segment.size, segment.sizeWeekAgo);
  return (
    <SectionCard title="Who is in it">
      <Text as="p">
        {segment.ruleText ? `Customers who ${segment.ruleText}.` : (segment.description ?? "Computed by the app.")}
      </Text>
      <InlineGrid columns={{ xs: 2, md: 3 }} gap="400">
        <Stat size="headingLg" label="Customers" value={formatNumber(segment.size)} detail={trend?.label} />
        <Stat size="headingLg" label="Revenue" value={formatMoney(segment.revenue, currency)} />
        <Stat size="headingLg" label="Average CLV" value={formatMoneyOrDash(segment.avgClv, currency)} />
        <Stat
          size="headingLg"
          label="Control group"
          value={formatNumber(segment.controlSize)}
          detail="held out of campaigns"
        />
        <Stat
          size="headingLg"
          label="Reachable by email"
          value={segment.emailReachable === null ? "–" : formatNumber(segment.emailReachable)}
          detail={reachDetail(segment.emailReachable, segment.size, "subscribed to email marketing")}
        />
        <Stat
          size="headingLg"
          label="Reachable by SMS"
          value={segment.smsReachable === null ? "–" : formatNumber(segment.smsReachable)}
          detail={reachDetail(segment.smsReachable, segment.size, "subscribed to SMS marketing")}
        />
      </InlineGrid>
    </SectionCard>
  );
}

/** "62 % subscribed to email marketing" (of the members carrying the tag); measured at the next compute before the first. */
function reachDetail(reachable: number | null, size: number, what: string): string {
  if (reachable === null) return "measured at the next compute";
  return size > 0 ? `${formatShare(reachable, size)} ${what}` : what;
}
