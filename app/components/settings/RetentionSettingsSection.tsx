import { Card, FormLayout, Layout, Text, TextField } from "@shopify/polaris";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

/** Data retention: how long orders are kept (empty: all of them). */
export function RetentionSettingsSection({ fields, errors }: { fields: SettingsFields; errors: SettingsErrors }) {
  const { textField } = fields;
  return (
    <Layout.AnnotatedSection
      title="Data retention"
      description="Orders older than this are deleted from the app (not from Shopify) within the hour. Scores then leave them out from the next compute."
    >
      <Card>
        <FormLayout>
          <TextField
            label="Keep orders for (years)"
            type="number"
            {...textField("orderRetentionYears")}
            error={errors.orderRetentionYears}
            helpText="Leave empty to keep every order. Shorter histories make purchase frequency and lifetime value less reliable."
          />
          <Text as="p" variant="bodySm" tone="subdued">
            Raw webhook data is deleted 7 days after it was applied, and all of a shop&apos;s data 30 days after the app
            is uninstalled.
          </Text>
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
