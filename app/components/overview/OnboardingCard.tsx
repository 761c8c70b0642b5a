import { Box, Card, EmptyState, ProgressBar, Text } from "@shopify/polaris";
import { SectionCard } from "../SectionCard";
import { formatNumber } from "../format";

export interface OnboardingCardProps {
  syncing: boolean;
  computing: boolean;
  /** Records the running sync has imported, and how many there are (when known). */
  done: number;
  total: number | null;
  customers: number;
}

/** The overview before the first results: import progress, then compute progress, then what to wait for. */
export function OnboardingCard({ syncing, computing, done, total, customers }: OnboardingCardProps) {
  if (syncing) {
    const progress = total ? Math.min(100, (done / total) * 100) : 0;
    return (
      <SectionCard title="Importing your customers and orders">
        <ProgressBar progress={progress} size="small" ariaLabelledBy="sync-progress-label" />
        <Text as="p" id="sync-progress-label" tone="subdued">
          {total
            ? `${formatNumber(done)} of ${formatNumber(total)} records imported`
            : `${formatNumber(done)} records imported so far`}
          . Segments are computed as soon as the import finishes.
        </Text>
      </SectionCard>
    );
  }
  if (computing) {
    return (
      <SectionCard title="Computing your segments">
        <ProgressBar progress={75} size="small" ariaLabelledBy="compute-progress-label" />
        <Text as="p" id="compute-progress-label" tone="subdued">
          {formatNumber(customers)} customers imported. Scoring them takes a minute or two.
        </Text>
      </SectionCard>
    );
  }
  return (
    <Card>
      <EmptyState heading="No segments yet" image="" action={{ content: "Open settings", url: "/app/settings" }}>
        <Box paddingBlockEnd="200">
          <Text as="p">
            {customers > 0
              ? `${formatNumber(customers)} customers are imported. Segments appear after the next daily run, or start a resync in settings.`
              : "Segments appear once your store has customers with orders. The app imports them automatically after install."}
          </Text>
        </Box>
      </EmptyState>
    </Card>
  );
}
