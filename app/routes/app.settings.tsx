import { useEffect } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Layout, Page } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { optedOutCount, parseSettingsForm, requestResync, saveSettings } from "~/admin/settings.server";
import { RouteError } from "~/components/RouteError";
import { SettingsForm } from "~/components/settings/SettingsForm";
import { ResyncSection } from "~/components/settings/ResyncSection";
import { AccessLogSection } from "~/components/settings/AccessLogSection";
import { PlanSection } from "~/components/settings/PlanSection";
import { recentAccess } from "~/admin/access-log.server";

export const meta = () => [{ title: "Settings · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  return {
    settings: shop.settings,
    plan: shop.plan,
    shopTimezone: shop.timezone,
    accessLog: await recentAccess(shop),
    optedOut: await optedOutCount(shop),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const form = await request.formData();
  if (form.get("intent") === "resync") {
    const outcome = await requestResync(shop);
    return {
      intent: "resync" as const,
      ok: true,
      message: outcome === "started" ? "Resync started" : "A sync is already running",
      errors: {},
    };
  }
  const { settings, errors } = parseSettingsForm(form);
  if (Object.keys(errors).length > 0) {
    return { intent: "save" as const, ok: false, message: "Please fix the highlighted fields", errors };
  }
  await saveSettings(shop, settings);
  return { intent: "save" as const, ok: true, message: "Settings saved", errors: {} };
};

export default function Settings() {
  const { settings, plan, shopTimezone, accessLog, optedOut } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const shopify = useAppBridge();
  const submitting = navigation.state === "submitting" ? navigation.formData?.get("intent") : undefined;

  useEffect(() => {
    if (result) shopify.toast.show(result.message, { isError: !result.ok });
  }, [result, shopify]);

  return (
    <Page title="Settings">
      <TitleBar title="Settings" />
      <Layout>
        <PlanSection plan={plan} />
      </Layout>
      <SettingsForm
        settings={settings}
        shopTimezone={shopTimezone}
        errors={result?.errors ?? {}}
        saving={submitting === "save"}
        optedOut={optedOut}
        plan={plan}
      />
      <ResyncSection resyncing={submitting === "resync"} />
      <AccessLogSection entries={accessLog} />
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Settings" />;
}
