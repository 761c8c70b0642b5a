import { Banner, BlockStack, DescriptionList, List, Text } from "@shopify/polaris";
import type { CustomerDetail } from "~/admin/customers.server";
import { SectionCard } from "../SectionCard";

export interface CustomerExplanationCardProps {
  /** The scoring's one-line summary of why the customer is in their RFM segment. */
  summary: string | null | undefined;
  /** Every score with its reasons; null when the customer is not scored or the shop has no model. */
  why: CustomerDetail["why"];
}

/** "Why here": the one-line summary, then each score with the figures that produce it. */
export function CustomerExplanationCard({ summary, why }: CustomerExplanationCardProps) {
  if (!summary && !why) {
    return (
      <SectionCard title="Why here">
        <Text as="p">Not scored yet: scores appear after the next compute run.</Text>
      </SectionCard>
    );
  }
  const doubtful =
    why !== null && (why.mismatched.length > 0 || why.notes.some((note) => note.startsWith("Model caveat")));
  return (
    <SectionCard title="Why here" description={summary || undefined}>
      {why && why.notes.length > 0 && (
        <Banner tone={doubtful ? "warning" : "info"}>
          {why.notes.length === 1 ? (
            <p>{why.notes[0]}</p>
          ) : (
            <List>
              {why.notes.map((note) => (
                <List.Item key={note}>{note}</List.Item>
              ))}
            </List>
          )}
        </Banner>
      )}
      {why && why.lines.length > 0 && (
        <DescriptionList
          items={why.lines.map((line) => ({
            term: (
              <BlockStack gap="050">
                <Text as="span" variant="bodySm" tone="subdued">
                  {line.label}
                </Text>
                <Text as="span" fontWeight="semibold">
                  {line.value}
                </Text>
              </BlockStack>
            ),
            description: <Text as="span">{line.because}</Text>,
          }))}
        />
      )}
    </SectionCard>
  );
}
