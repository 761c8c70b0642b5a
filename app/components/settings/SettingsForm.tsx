import { Form } from "@remix-run/react";
import { Button, InlineStack, Layout } from "@shopify/polaris";
import type { ShopSettings } from "~/settings";
import type { PlanView } from "~/billing/plans";
import { ModelSettingsSection } from "./ModelSettingsSection";
import { HealthSettingsSection } from "./HealthSettingsSection";
import { PushSettingsSection } from "./PushSettingsSection";
import { ScheduleSettingsSection } from "./ScheduleSettingsSection";
import { RetentionSettingsSection } from "./RetentionSettingsSection";
import { OptOutSettingsSection } from "./OptOutSettingsSection";
import { useSettingsFields, type SettingsErrors } from "./use-settings-fields";

export interface SettingsFormProps {
  settings: ShopSettings;
  shopTimezone: string;
  errors: SettingsErrors;
  saving: boolean;
  /** Customers opted out of profiling now. */
  optedOut: number;
  plan: PlanView;
}

/** The shop's settings, posted with intent "save". */
export function SettingsForm({ settings, shopTimezone, errors, saving, optedOut, plan }: SettingsFormProps) {
  const fields = useSettingsFields(settings);
  const { values } = fields;
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="save" />
      {/* Checkboxes post "on" only when ticked; hidden inputs carry the state either way. */}
      <input type="hidden" name="pushTags" value={String(values.pushTags)} />
      <input type="hidden" name="pushNativeSegments" value={String(values.pushNativeSegments)} />
      <input type="hidden" name="pushMetafields" value={String(values.pushMetafields)} />
      <input type="hidden" name="pushSmallSegments" value={String(values.pushSmallSegments)} />
      <input type="hidden" name="recomputeHour" value={values.recomputeHour} />
      <Layout>
        <PushSettingsSection fields={fields} errors={errors} plan={plan} />
        <HealthSettingsSection fields={fields} errors={errors} />
        <ScheduleSettingsSection fields={fields} errors={errors} shopTimezone={shopTimezone} />
        <ModelSettingsSection fields={fields} errors={errors} />
        <RetentionSettingsSection fields={fields} errors={errors} />
        <OptOutSettingsSection fields={fields} errors={errors} optedOut={optedOut} />
        <Layout.Section>
          <InlineStack align="end">
            <Button submit variant="primary" loading={saving}>
              Save
            </Button>
          </InlineStack>
        </Layout.Section>
      </Layout>
    </Form>
  );
}
