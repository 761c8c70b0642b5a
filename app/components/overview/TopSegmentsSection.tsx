import { BlockStack, Button, InlineGrid, InlineStack, Text } from "@shopify/polaris";
import type { SegmentRow } from "~/admin/segments.server";
import { SegmentCard } from "../SegmentCard";
import { formatNumber } from "../format";

const MAX_CARDS = 12;

export interface TopSegmentsSectionProps {
  segments: SegmentRow[];
  /** All scored customers and their revenue: each card's shares are of these. */
  scored: number;
  revenue: number;
  currency: string;
}

/** The enabled, non-empty segments that bring the most revenue, one card each. */
export function TopSegmentsSection({ segments, scored, revenue, currency }: TopSegmentsSectionProps) {
  const top = segments
    .filter((s) => s.enabled && s.size > 0)
    .sort((a, b) => b.revenue - a.revenue)
    .slice(0, MAX_CARDS);
  return (
    <BlockStack gap="400">
      <InlineStack align="space-between" blockAlign="center">
        <Text as="h2" variant="headingMd">
          Segments ready: {formatNumber(scored)} customers scored
        </Text>
        <Button url="/app/segments" variant="plain">
          All segments
        </Button>
      </InlineStack>
      <InlineGrid columns={{ xs: 1, sm: 2, md: 3 }} gap="400">
        {top.map((segment) => (
          <SegmentCard
            key={segment.key}
            segment={segment}
            totalCustomers={scored}
            totalRevenue={revenue}
            currency={currency}
          />
        ))}
      </InlineGrid>
    </BlockStack>
  );
}
