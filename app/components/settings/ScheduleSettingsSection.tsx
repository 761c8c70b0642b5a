import { Card, FormLayout, Layout, Select, TextField } from "@shopify/polaris";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

const HOURS = Array.from({ length: 24 }, (_, h) => ({ label: `${String(h).padStart(2, "0")}:00`, value: String(h) }));

export interface ScheduleSettingsSectionProps {
  fields: SettingsFields;
  errors: SettingsErrors;
  /** The store's own time zone, used when the field is empty. */
  shopTimezone: string;
}

/** When the daily recompute runs: the hour, in the store's or a chosen time zone. */
export function ScheduleSettingsSection({ fields, errors, shopTimezone }: ScheduleSettingsSectionProps) {
  const { values, setValue, textField } = fields;
  return (
    <Layout.AnnotatedSection title="Schedule" description="Segments are recomputed once a day.">
      <Card>
        <FormLayout>
          <FormLayout.Group>
            <Select
              label="Recompute at"
              options={HOURS}
              value={values.recomputeHour}
              onChange={(value) => setValue("recomputeHour", value)}
              error={errors.recomputeHour}
            />
            <TextField
              label="Time zone"
              {...textField("timezone")}
              error={errors.timezone}
              placeholder={shopTimezone}
              helpText="Empty: the store's time zone"
            />
          </FormLayout.Group>
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
