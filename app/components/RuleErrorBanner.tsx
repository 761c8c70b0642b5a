import { Banner, BlockStack, Text } from "@shopify/polaris";

/** A rule segment the last compute run skipped: why, and what the merchant can do about it. */
export function RuleErrorBanner({ error, nextStep, editUrl }: { error: string; nextStep: string; editUrl?: string }) {
  return (
    <Banner
      tone="critical"
      title="This rule can't be computed"
      action={editUrl ? { content: "Edit rule", url: editUrl } : undefined}
    >
      <BlockStack gap="200">
        <Text as="p">{error}</Text>
        <Text as="p">{`The last compute run skipped it, so it has no members. ${nextStep}`}</Text>
      </BlockStack>
    </Banner>
  );
}
