import { Card, FormLayout, Layout, Text, TextField } from "@shopify/polaris";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

/** Opt-out of profiling: the merchant's opt-out tag, and how many customers are opted out now. */
export function OptOutSettingsSection({
  fields,
  errors,
  optedOut,
}: {
  fields: SettingsFields;
  errors: SettingsErrors;
  optedOut: number;
}) {
  const { textField } = fields;
  return (
    <Layout.AnnotatedSection
      title="Opt-out of profiling"
      description="Customers with this tag, or who opted out of data sale or sharing in Shopify, are not scored, segmented or tagged. At the next push, the app's tags and metafields are removed from them."
    >
      <Card>
        <FormLayout>
          <TextField
            label="Opt-out tag"
            {...textField("optOutTag")}
            error={errors.optOutTag}
            helpText="Compared without regard to case. Leave empty to honour only Shopify's data sale opt-out."
          />
          <Text as="p" variant="bodySm" tone="subdued">
            {optedOut === 1 ? "1 customer is" : `${optedOut.toLocaleString("en-US")} customers are`} opted out.
          </Text>
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
