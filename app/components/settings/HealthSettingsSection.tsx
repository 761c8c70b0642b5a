import { Card, Checkbox, FormLayout, Layout, TextField } from "@shopify/polaris";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

/** Segment health: the minimum size, whether small segments still get a Shopify segment, the size-shift alert. */
export function HealthSettingsSection({ fields, errors }: { fields: SettingsFields; errors: SettingsErrors }) {
  const { textField, checkbox } = fields;
  return (
    <Layout.AnnotatedSection
      title="Segment health"
      description="Segments below the minimum size are flagged, and get no Shopify customer segment unless you allow it. Their tags and metafields are written either way."
    >
      <Card>
        <FormLayout>
          <FormLayout.Group>
            <TextField
              label="Minimum segment size (% of customers)"
              type="number"
              {...textField("minSegmentPercent")}
              error={errors.minSegmentShare}
              helpText="Of all scored customers. The larger of this and the number of customers applies."
            />
            <TextField
              label="Minimum segment size (customers)"
              type="number"
              {...textField("minSegmentCustomers")}
              error={errors.minSegmentCustomers}
            />
          </FormLayout.Group>
          <Checkbox
            label="Create Shopify customer segments for segments below the minimum size too"
            {...checkbox("pushSmallSegments")}
          />
          <TextField
            label="Alert when a segment's size changes by more than (%)"
            type="number"
            {...textField("sizeShiftPercent")}
            error={errors.sizeShiftShare}
            helpText="Between the last two compute runs; shown on the overview."
          />
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
