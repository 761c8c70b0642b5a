import { Card, Checkbox, FormLayout, Layout, TextField } from "@shopify/polaris";
import type { PlanView } from "~/billing/plans";
import { isGated, PlanGateBanner } from "../PlanGateBanner";
import type { SettingsErrors, SettingsFields } from "./use-settings-fields";

/**
 * What the app writes to customers in Shopify: tags, customer segments, metafields; the control
 * group. On a plan without pushes the switches are shown off and disabled (the hidden inputs keep
 * the merchant's choice for when the plan has them again).
 */
export function PushSettingsSection({
  fields,
  errors,
  plan,
}: {
  fields: SettingsFields;
  errors: SettingsErrors;
  plan: PlanView;
}) {
  const { textField } = fields;
  const gated = isGated(plan, "pushes");
  const checkbox = (name: Parameters<SettingsFields["checkbox"]>[0]) =>
    gated ? { checked: false, disabled: true, onChange: () => undefined } : fields.checkbox(name);
  return (
    <Layout.AnnotatedSection
      title="Sending segments to Shopify"
      description="What the app writes to your customers after each run."
    >
      <Card>
        <FormLayout>
          <PlanGateBanner
            plan={plan}
            feature="pushes"
            detail="Nothing is written to your customers in Shopify; what was pushed before has been taken back."
          />
          <Checkbox label="Tag customers with their segments" {...checkbox("pushTags")} />
          <Checkbox
            label="Keep Shopify customer segments (for Shopify Email and Flow)"
            {...checkbox("pushNativeSegments")}
          />
          <Checkbox
            label="Write scores and segments to customer metafields"
            helpText="Scores stay in your admin; the storefront blocks read only opaque segment tokens. Off deletes them."
            {...checkbox("pushMetafields")}
          />
          <FormLayout.Group>
            <TextField
              label="Segment tag prefix"
              {...textField("tagPrefix")}
              error={errors.tagPrefix}
              helpText="e.g. seg:champions"
            />
            <TextField
              label="Control group tag prefix"
              {...textField("controlTagPrefix")}
              error={errors.controlTagPrefix}
            />
          </FormLayout.Group>
          <TextField
            label="Control group share (%)"
            type="number"
            {...textField("controlSharePercent")}
            error={errors.controlShare}
            helpText="Customers held out of campaigns in each segment, to measure lift. 0 turns it off."
          />
        </FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}
