import { Form } from "@remix-run/react";
import { BlockStack, Button, Card, InlineStack, Layout, Text } from "@shopify/polaris";

/** Starts a full import from Shopify again (intent "resync"). */
export function ResyncSection({ resyncing }: { resyncing: boolean }) {
  return (
    <BlockStack gap="400">
      <Layout>
        <Layout.AnnotatedSection title="Data" description="Import all customers and orders from Shopify again.">
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="resync" />
              <BlockStack gap="200">
                <Text as="p">Use this if numbers look out of date. Webhooks normally keep everything current.</Text>
                <InlineStack>
                  <Button submit loading={resyncing}>
                    Resync from Shopify
                  </Button>
                </InlineStack>
              </BlockStack>
            </Form>
          </Card>
        </Layout.AnnotatedSection>
      </Layout>
    </BlockStack>
  );
}
