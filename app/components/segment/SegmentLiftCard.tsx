import { Badge, BlockStack, InlineStack, Link, Text } from "@shopify/polaris";
import type { LiftWindowView, SegmentLiftView } from "~/admin/lift.server";
import { SectionCard } from "../SectionCard";
import { formatDate, formatMoney, formatNumber, formatPercent } from "../format";

/** What a window says in one line: the measured sentence, or what is still missing. */
export function liftHeadline(w: LiftWindowView): string {
  if (w.sufficient) return w.sentence;
  if (w.controlNeeded > 0)
    return `Not enough data yet — needs ${formatNumber(w.controlNeeded)} more customers in the control group.`;
  return w.sentence;
}

/** A window's verdict as a badge: measured lift up or down, no clear difference, or waiting. */
export function LiftBadge({ window: w }: { window: LiftWindowView }) {
  if (!w.sufficient || w.revenueLow === null || w.revenueHigh === null) return <Badge>Not enough data</Badge>;
  if (w.revenueLow > 0) return <Badge tone="success">Lift</Badge>;
  if (w.revenueHigh < 0) return <Badge tone="critical">Negative lift</Badge>;
  return <Badge tone="info">No clear difference</Badge>;
}

/** The segment's measured lift against its control group, per window since each customer joined. */
export function SegmentLiftCard({ lift, currency }: { lift: SegmentLiftView; currency: string }) {
  return (
    <SectionCard
      title="Lift against the control group"
      description={lift.asOf ? `Measured at the compute of ${formatDate(lift.asOf)}` : undefined}
    >
      {lift.windows.length === 0 ? (
        <Text as="p" tone="subdued">
          {lift.controlShare === 0 ? (
            <>
              No control group is held out. Set a control share in <Link url="/app/settings">Settings</Link> to measure
              what being in this segment changes.
            </>
          ) : (
            "Shown after the next compute run."
          )}
        </Text>
      ) : (
        lift.windows.map((w) => (
          <BlockStack gap="100" key={w.windowDays}>
            <InlineStack gap="200" blockAlign="center">
              <Text as="h3" variant="headingSm">
                {w.windowDays} days after joining
              </Text>
              <LiftBadge window={w} />
            </InlineStack>
            <Text as="p">{liftHeadline(w)}</Text>
            <Text as="p" tone="subdued">
              {formatNumber(w.treated)} members and {formatNumber(w.control)} in the control group
              {w.treated + w.control > 0 &&
                ` · bought: ${formatPercent(w.conversion.treated, 0)} vs ${formatPercent(w.conversion.control, 0)}` +
                  ` · spent per customer: ${formatMoney(w.revenuePerCustomer.treated, currency)} vs ${formatMoney(w.revenuePerCustomer.control, currency)}`}
            </Text>
          </BlockStack>
        ))
      )}
    </SectionCard>
  );
}
