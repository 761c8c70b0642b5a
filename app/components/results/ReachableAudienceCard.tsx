import { IndexTable } from "@shopify/polaris";
import type { ReachRow } from "~/admin/segments.server";
import { KindBadge } from "../KindBadge";
import { SectionCard } from "../SectionCard";
import { formatNumber, formatShare } from "../format";
import { NumericCell, SegmentLinkCell } from "~/components/table-cells";

const count = (n: number | null) => (n === null ? "–" : formatNumber(n));
const share = (n: number | null, of: number) => (n === null ? "–" : formatShare(n, of));

/** Every enabled segment's reachable audience: members subscribed to email and to SMS marketing. */
export function ReachableAudienceCard({ segments }: { segments: ReachRow[] }) {
  return (
    <SectionCard
      flush
      title="Reachable audience"
      description="Of each segment's members (control holdouts not counted), how many a Shopify Email or SMS campaign on its tag can reach: those subscribed to that channel's marketing, at the last compute."
    >
      <IndexTable
        resourceName={{ singular: "segment", plural: "segments" }}
        itemCount={segments.length}
        selectable={false}
        headings={[
          { title: "Segment" },
          { title: "Kind" },
          { title: "Members", alignment: "end" },
          { title: "Reachable by email", alignment: "end" },
          { title: "Email share", alignment: "end" },
          { title: "Reachable by SMS", alignment: "end" },
        ]}
      >
        {segments.map((row, index) => (
          <IndexTable.Row id={`reach-${row.key}`} key={row.key} position={index}>
            <SegmentLinkCell segmentKey={row.key} name={row.name} />
            <IndexTable.Cell>
              <KindBadge kind={row.kind} />
            </IndexTable.Cell>
            <NumericCell>{formatNumber(row.size)}</NumericCell>
            <NumericCell>{count(row.emailReachable)}</NumericCell>
            <NumericCell>{share(row.emailReachable, row.size)}</NumericCell>
            <NumericCell>{count(row.smsReachable)}</NumericCell>
          </IndexTable.Row>
        ))}
      </IndexTable>
    </SectionCard>
  );
}
