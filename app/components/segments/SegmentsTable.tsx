import { Badge, IndexTable, InlineStack, Link, Text } from "@shopify/polaris";
import type { SegmentRow } from "~/admin/segments.server";
import { KindBadge } from "../KindBadge";
import { adminLinks } from "../admin-links";
import { formatMoney, formatNumber, formatShare } from "../format";
import { SegmentEnabledToggle } from "./SegmentEnabledToggle";
import { NumericCell, SegmentLinkCell } from "~/components/table-cells";

export interface SegmentsTableProps {
  segments: SegmentRow[];
  /** All scored customers: each segment's share is of these. */
  scored: number;
  currency: string;
  /** Segments below this many customers are flagged (settings). */
  minimumSize: number;
  pushSmallSegments: boolean;
}

/** Every segment with its size, share, members reachable by email (subscribed), revenue, customer tag, Shopify segment and on/off switch. */
export function SegmentsTable({ segments, scored, currency, minimumSize, pushSmallSegments }: SegmentsTableProps) {
  return (
    <IndexTable
      resourceName={{ singular: "segment", plural: "segments" }}
      itemCount={segments.length}
      selectable={false}
      headings={[
        { title: "Segment" },
        { title: "Kind" },
        { title: "Customers", alignment: "end" },
        { title: "Share", alignment: "end" },
        { title: "Reachable by email", alignment: "end" },
        { title: "Revenue", alignment: "end" },
        { title: "Tag" },
        { title: "Shopify segment" },
        { title: "Enabled" },
      ]}
    >
      {segments.map((segment, index) => (
        <IndexTable.Row id={segment.key} key={segment.key} position={index}>
          <SegmentLinkCell segmentKey={segment.key} name={segment.name} />
          <IndexTable.Cell>
            <KindBadge kind={segment.kind} />
          </IndexTable.Cell>
          <IndexTable.Cell>
            <InlineStack gap="100" align="end" blockAlign="center" wrap={false}>
              {segment.belowMinimum && <Badge tone="warning">{`Below ${formatNumber(minimumSize)}`}</Badge>}
              <Text as="span" alignment="end" numeric>
                {formatNumber(segment.size)}
              </Text>
            </InlineStack>
          </IndexTable.Cell>
          <NumericCell>{formatShare(segment.size, scored)}</NumericCell>
          <NumericCell>{segment.emailReachable === null ? "–" : formatNumber(segment.emailReachable)}</NumericCell>
          <NumericCell>{formatMoney(segment.revenue, currency)}</NumericCell>
          <IndexTable.Cell>
            <Badge>{segment.tag}</Badge>
          </IndexTable.Cell>
          <IndexTable.Cell>
            {segment.shopifySegmentId ? (
              <Link url={adminLinks.nativeSegment(segment.shopifySegmentId)} target="_top">
                Open in Shopify
              </Link>
            ) : (
              <Text as="span" tone="subdued">
                {segment.belowMinimum && !pushSmallSegments && segment.enabled
                  ? "Not created: below the minimum size"
                  : "Not pushed yet"}
              </Text>
            )}
          </IndexTable.Cell>
          <IndexTable.Cell>
            <SegmentEnabledToggle segmentKey={segment.key} enabled={segment.enabled} name={segment.name} />
          </IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </IndexTable>
  );
}
