import { Card, FormLayout, Layout, TextField } from "@shopify/polaris";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

/** Options of the models: how many clusters k-means may choose, the CLV horizon and discount rate. */
export function ModelSettingsSection({ fields, errors }: { fields: SettingsFields; errors: SettingsErrors }) {
  const { textField } = fields;
  return (
    <Layout.AnnotatedSection title="Models" description="Clustering, lifetime value and prediction options.">
      <Card>
        <FormLayout>
          <FormLayout.Group>
            <TextField label="Fewest clusters" type="number" {...textField("kMin")} error={errors.kMin} />
            <TextField label="Most clusters" type="number" {...textField("kMax")} error={errors.kMax} />
          </FormLayout.Group>
          <FormLayout.Group>
            <TextField
              label="CLV horizon (months)"
              type="number"
              {...textField("clvHorizonMonths")}
              error={errors.clvHorizonMonths}
            />
            <TextField
              label="Monthly discount rate (%)"
              type="number"
              {...textField("monthlyDiscountPercent")}
              error={errors.monthlyDiscountRate}
            />
          </FormLayout.Group>
          <TextField
            label="Prediction horizon (days)"
            type="number"
            {...textField("predictionHorizonDays")}
            error={errors.predictionHorizonDays}
            helpText="Expected orders look this far ahead; each compute checks the model on the last this-many days."
          />
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
