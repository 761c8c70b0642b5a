import { Text } from "@shopify/polaris";
import type { OverlapView } from "~/admin/overlap.server";
import { HeatMapTable } from "../charts/HeatMapTable";
import { SectionCard } from "../SectionCard";
import { formatNumber } from "../format";

/** Names as table headers, made unique (two segments may share a name). */
function labels(segments: OverlapView["segments"]): string[] {
  const seen = new Map<string, number>();
  return segments.map((s) => {
    const count = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, count);
    return count > 1 ? `${s.name} (${s.key})` : s.name;
  });
}

/** The Jaccard overlap of the largest segments, as a table with its numbers in every cell. */
export function OverlapCard({ overlap }: { overlap: OverlapView }) {
  const names = labels(overlap.segments);
  const n = names.length;
  return (
    <SectionCard
      title="How segments overlap"
      description="Share of customers two segments have in common: members of both ÷ members of either (Jaccard index). High overlap means two segments would reach mostly the same people."
    >
      {n < 2 ? (
        <Text as="p" tone="subdued">
          Shown once two enabled segments have members.
        </Text>
      ) : !overlap.jaccard || !overlap.shared ? (
        <Text as="p" tone="subdued">
          This shop&apos;s segments have too many members to compare within a few seconds.
        </Text>
      ) : (
        <HeatMapTable
          caption={`Overlap between the ${n} largest enabled segments, in percent of their combined members${
            overlap.omitted > 0 ? ` (${formatNumber(overlap.omitted)} smaller segments not shown)` : ""
          }`}
          columnHeader="Segment"
          columns={names}
          max={1}
          rows={names.map((label, i) => ({
            label,
            cells: names.map((_, j) => (i === j ? null : overlap.jaccard![i * n + j])),
          }))}
          format={(value) => `${Math.round(value * 100)} %`}
        />
      )}
    </SectionCard>
  );
}
