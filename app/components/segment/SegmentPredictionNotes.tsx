import { Banner, BlockStack, List, Text } from "@shopify/polaris";
import type { SegmentPredictionView } from "~/admin/predictions.server";
import { SectionCard } from "../SectionCard";

/** A prediction segment held back from Shopify: what is missing and when it will be pushed. */
export function PredictionsWithheldBanner({ prediction }: { prediction: SegmentPredictionView }) {
  return (
    <Banner tone="warning" title="Not enough data yet: not pushed to Shopify">
      <BlockStack gap="200">
        <Text as="p">
          Members are computed and shown here, but no tags, Shopify segment or metafields are sent for this segment
          until predictions can be trusted:
        </Text>
        <List>
          {prediction.missing.map((reason) => (
            <List.Item key={reason}>{reason}</List.Item>
          ))}
        </List>
        {prediction.startSentence && <Text as="p">{prediction.startSentence}</Text>}
      </BlockStack>
    </Banner>
  );
}

/** How the label fared on the shop's own history, and how its cut-off was chosen. */
export function LabelTrackRecordCard({ prediction }: { prediction: SegmentPredictionView }) {
  return (
    <SectionCard title="Checked on your history">
      {prediction.labelSentence && <Text as="p">{prediction.labelSentence}</Text>}
      {prediction.cutoffSentence && (
        <Text as="p" tone="subdued">
          {prediction.cutoffSentence}
        </Text>
      )}
    </SectionCard>
  );
}
