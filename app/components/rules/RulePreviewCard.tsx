import { BlockStack, Text } from "@shopify/polaris";
import { SectionCard } from "../SectionCard";
import { formatNumber, formatShare } from "../format";

export interface RulePreview {
  errors: string[];
  preview: { matches: number; scored: number } | null;
  /** The rule in words, when it is valid. */
  description: string | null;
}

/** The live count of customers the rule being edited matches (announced as it changes). */
export function RulePreviewCard({ result }: { result: RulePreview | undefined }) {
  return (
    <SectionCard title="Preview" gap="200">
      <div aria-live="polite">
        {result?.preview ? (
          <BlockStack gap="200">
            <Text as="p" variant="headingLg">
              {formatNumber(result.preview.matches)} customers match
            </Text>
            <Text as="p" tone="subdued">
              {formatShare(result.preview.matches, result.preview.scored)} of {formatNumber(result.preview.scored)}{" "}
              scored customers
            </Text>
            <Text as="p">Customers who {result.description}.</Text>
          </BlockStack>
        ) : result?.errors.length ? (
          <BlockStack gap="100">
            {result.errors.map((error) => (
              <Text as="p" tone="critical" key={error}>
                {error}
              </Text>
            ))}
          </BlockStack>
        ) : (
          <Text as="p" tone="subdued">
            Counting…
          </Text>
        )}
      </div>
      <Text as="p" variant="bodySm" tone="subdued">
        Counted from the latest scores. Membership is updated on the next compute run.
      </Text>
    </SectionCard>
  );
}
