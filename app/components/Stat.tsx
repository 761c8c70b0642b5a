import { BlockStack, Text } from "@shopify/polaris";

/** A labelled figure: the small caption above, the value below, an optional note under it. */
export function Stat({
  label,
  value,
  detail,
  size = "headingMd",
}: {
  label: string;
  value: string;
  detail?: string;
  size?: "headingMd" | "headingLg";
}) {
  return (
    <BlockStack gap="100">
      <Text as="p" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant={size}>
        {value}
      </Text>
      {detail && (
        <Text as="p" variant="bodySm" tone="subdued">
          {detail}
        </Text>
      )}
    </BlockStack>
  );
}
