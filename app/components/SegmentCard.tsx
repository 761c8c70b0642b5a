import { BlockStack, Card, InlineStack, Link, Text } from "@shopify/polaris";
import type { SegmentRow } from "~/admin/segments.server";
import { KindBadge } from "./KindBadge";
import { formatMoney, formatNumber, formatShare, formatTrend } from "./format";

export interface SegmentCardProps {
  segment: Pick<SegmentRow, "key" | "kind" | "name" | "size" | "revenue" | "avgClv" | "sizeWeekAgo">;
  totalCustomers: number;
  totalRevenue: number;
  currency: string;
}

export function SegmentCard({ segment, totalCustomers, totalRevenue, currency }: SegmentCardProps) {
  const trend = formatTrend(segment.size, segment.sizeWeekAgo);
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="center" wrap={false}>
          <Text as="h3" variant="headingSm">
            <Link url={`/app/segments/${segment.key}`} removeUnderline>
              {segment.name}
            </Link>
          </Text>
          <KindBadge kind={segment.kind} />
        </InlineStack>
        <Text as="p" variant="headingLg">
          {formatNumber(segment.size)} customers
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {formatShare(segment.size, totalCustomers)} of customers · {formatShare(segment.revenue, totalRevenue)} of
          revenue
        </Text>
        <Text as="p" variant="bodySm">
          Average CLV {segment.avgClv === null ? "–" : formatMoney(segment.avgClv, currency)}
        </Text>
        {trend && (
          <Text as="p" variant="bodySm" tone={trend.tone}>
            {trend.label}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
