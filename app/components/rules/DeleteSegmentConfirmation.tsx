import { Banner, BlockStack, Button, InlineStack, Text } from "@shopify/polaris";

export interface DeleteSegmentConfirmationProps {
  name: string;
  deleting: boolean;
  onDelete: () => void;
  onCancel: () => void;
}

/** Asks before a rule segment is deleted, saying what goes now and what the next push removes. */
export function DeleteSegmentConfirmation({ name, deleting, onDelete, onCancel }: DeleteSegmentConfirmationProps) {
  return (
    <Banner tone="warning" title={`Delete “${name}”?`} onDismiss={onCancel}>
      <BlockStack gap="300">
        <Text as="p">
          Its members and history go now; its Shopify customer segment, its tags on customers and its storefront
          recommendations are removed by the next push. This can't be undone.
        </Text>
        <InlineStack gap="200">
          <Button variant="primary" tone="critical" loading={deleting} onClick={onDelete}>
            Delete segment
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </InlineStack>
      </BlockStack>
    </Banner>
  );
}
