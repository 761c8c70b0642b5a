import { Text } from "@shopify/polaris";
import type { Movement } from "~/admin/members.server";
import { SectionCard } from "../SectionCard";
import { formatDate, formatNumber } from "../format";
import { SegmentFlowList } from "./SegmentFlowList";

/** Who joined and left the segment in the newest compute run, and from or to which segments. */
export function SegmentMovementCard({ movement }: { movement: Movement }) {
  return (
    <SectionCard title="Movement since the previous run">
      {movement.runId ? (
        <>
          <Text as="p">
            {formatNumber(movement.entered)} joined, {formatNumber(movement.left)} left ({formatDate(movement.runAt)})
          </Text>
          <SegmentFlowList title="Came from" flows={movement.cameFrom} />
          <SegmentFlowList title="Went to" flows={movement.wentTo} />
        </>
      ) : (
        <Text as="p" tone="subdued">
          Shown after the first compute run.
        </Text>
      )}
    </SectionCard>
  );
}
