import { useEffect, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { parseSettingsForm, requestResync, saveSettings } from "~/models/settings.server";
import { RouteError } from "~/components/RouteError";

export const meta = () => [{ title: "Settings · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  return { settings: shop.settings, shopTimezone: shop.timezone };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const form = await request.formData();
  if (form.get("intent") === "resync") {
    const outcome = await requestResync(shop);
    return { intent: "resync" as const, ok: true, message: outcome === "started" ? "Resync started" : "A sync is already running", errors: {} };
  }
  const { settings, errors } = parseSettingsForm(form);
  if (Object.keys(errors).length > 0) {
    return { intent: "save" as const, ok: false, message: "Please fix the highlighted fields", errors };
  }
  await saveSettings(shop, settings);
  return { intent: "save" as const, ok: true, message: "Settings saved", errors: {} };
};

const HOURS = Array.from({ length: 24 }, (_, h) => ({ label: `${String(h).padStart(2, "0")}:00`, value: String(h) }));

export default function Settings() {
  const { settings, shopTimezone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const shopify = useAppBridge();
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") === "save";
  const resyncing = navigation.state === "submitting" && navigation.formData?.get("intent") === "resync";
  const errors: Record<string, string | undefined> = result?.errors ?? {};

  useEffect(() => {
    if (result) shopify.toast.show(result.message, { isError: !result.ok });
  }, [result, shopify]);

  // Controlled fields, seeded from the stored settings.
  const [values, setValues] = useState({
    tagPrefix: settings.tagPrefix,
    controlTagPrefix: settings.controlTagPrefix,
    pushTags: settings.pushTags,
    pushNativeSegments: settings.pushNativeSegments,
    pushMetafields: settings.pushMetafields,
    recomputeHour: String(settings.recomputeHour),
    timezone: settings.timezone ?? "",
    controlSharePercent: String(Math.round(settings.controlShare * 1000) / 10),
    kMin: String(settings.kMin),
    kMax: String(settings.kMax),
    clvHorizonMonths: String(settings.clvHorizonMonths),
    monthlyDiscountPercent: String(Math.round(settings.monthlyDiscountRate * 10000) / 100),
  });
  const field = (name: keyof typeof values) => ({
    name,
    value: String(values[name]),
    onChange: (value: string) => setValues((v) => ({ ...v, [name]: value })),
    autoComplete: "off",
  });
  const check = (name: "pushTags" | "pushNativeSegments" | "pushMetafields") => ({
    checked: values[name],
    onChange: (checked: boolean) => setValues((v) => ({ ...v, [name]: checked })),
  });

  return (
    <Page title="Settings">
      <TitleBar title="Settings" />
      <Form method="post">
        <input type="hidden" name="intent" value="save" />
        {/* Checkboxes post "on" only when ticked; hidden inputs carry the state either way. */}
        <input type="hidden" name="pushTags" value={String(values.pushTags)} />
        <input type="hidden" name="pushNativeSegments" value={String(values.pushNativeSegments)} />
        <input type="hidden" name="pushMetafields" value={String(values.pushMetafields)} />
        <input type="hidden" name="recomputeHour" value={values.recomputeHour} />
        <Layout>
          <Layout.AnnotatedSection title="Sending segments to Shopify" description="What the app writes to your customers after each run.">
            <Card>
              <FormLayout>
                <Checkbox label="Tag customers with their segments" {...check("pushTags")} />
                <Checkbox label="Keep Shopify customer segments (for Shopify Email and Flow)" {...check("pushNativeSegments")} />
                <Checkbox
                  label="Write scores and segments to customer metafields"
                  helpText="Scores stay in your admin; the storefront blocks read only opaque segment tokens. Off deletes them."
                  {...check("pushMetafields")}
                />
                <FormLayout.Group>
                  <TextField label="Segment tag prefix" {...field("tagPrefix")} error={errors.tagPrefix} helpText="e.g. seg:champions" />
                  <TextField label="Control group tag prefix" {...field("controlTagPrefix")} error={errors.controlTagPrefix} />
                </FormLayout.Group>
                <TextField
                  label="Control group share (%)"
                  type="number"
                  {...field("controlSharePercent")}
                  error={errors.controlShare}
                  helpText="Customers held out of campaigns in each segment, to measure lift. 0 turns it off."
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Schedule" description="Segments are recomputed once a day.">
            <Card>
              <FormLayout>
                <FormLayout.Group>
                  <Select
                    label="Recompute at"
                    options={HOURS}
                    value={values.recomputeHour}
                    onChange={(value) => setValues((v) => ({ ...v, recomputeHour: value }))}
                    error={errors.recomputeHour}
                  />
                  <TextField label="Time zone" {...field("timezone")} error={errors.timezone} placeholder={shopTimezone} helpText="Empty: the store's time zone" />
                </FormLayout.Group>
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Models" description="Clustering and lifetime value options.">
            <Card>
              <FormLayout>
                <FormLayout.Group>
                  <TextField label="Fewest clusters" type="number" {...field("kMin")} error={errors.kMin} />
                  <TextField label="Most clusters" type="number" {...field("kMax")} error={errors.kMax} />
                </FormLayout.Group>
                <FormLayout.Group>
                  <TextField label="CLV horizon (months)" type="number" {...field("clvHorizonMonths")} error={errors.clvHorizonMonths} />
                  <TextField
                    label="Monthly discount rate (%)"
                    type="number"
                    {...field("monthlyDiscountPercent")}
                    error={errors.monthlyDiscountRate}
                  />
                </FormLayout.Group>
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.Section>
            <InlineStack align="end">
              <Button submit variant="primary" loading={saving}>
                Save
              </Button>
            </InlineStack>
          </Layout.Section>
        </Layout>
      </Form>
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
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Settings" />;
}
