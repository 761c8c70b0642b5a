import { Badge, BlockStack, List, Text } from "@shopify/polaris";
import type { PredictionQualityView } from "~/admin/predictions.server";
import { SectionCard } from "../SectionCard";
import { formatDate } from "../format";

/** How far the shop's predictions can be trusted: last horizon's forecast against what happened, or what is missing. */
export function PredictionQualityCard({ quality }: { quality: PredictionQualityView }) {
  return (
    <SectionCard
      title="How good are the predictions?"
      description={`Checked on ${formatDate(quality.checkedOn)}: the model was fitted without the last ${quality.horizonDays} days and asked to predict them.`}
      action={
        quality.sufficient ? (
          <Badge tone="success">Predictions on</Badge>
        ) : (
          <Badge tone="attention">Not enough data yet</Badge>
        )
      }
    >
      {!quality.sufficient && (
        <BlockStack gap="200">
          <Text as="p" fontWeight="semibold">
            Not enough data yet for churn risk, CLV and other predictions:
          </Text>
          <List>
            {quality.missing.map((reason) => (
              <List.Item key={reason}>{reason}</List.Item>
            ))}
          </List>
          {quality.startSentence && <Text as="p">{quality.startSentence}</Text>}
          {quality.withheldSentence && (
            <Text as="p" tone="subdued">
              {quality.withheldSentence}
            </Text>
          )}
        </BlockStack>
      )}
      {quality.outcomeSentence && (
        <Text as="p" variant="headingSm">
          {quality.outcomeSentence}
        </Text>
      )}
      {quality.accuracySentence && <Text as="p">{quality.accuracySentence}</Text>}
      <Text as="p">{quality.modelSentence}</Text>
      {quality.cutoffSentences.map((text) => (
        <Text as="p" key={text} tone="subdued">
          {text}
        </Text>
      ))}
      {quality.warnings.length > 0 && (
        <BlockStack gap="100">
          <Text as="p" fontWeight="semibold">
            Good to know
          </Text>
          <List>
            {quality.warnings.map((warning) => (
              <List.Item key={warning}>{warning}</List.Item>
            ))}
          </List>
        </BlockStack>
      )}
    </SectionCard>
  );
}
