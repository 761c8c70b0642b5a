import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { customerDetail } from "~/admin/customers.server";
import { recordAccess, staffUserOf } from "~/admin/access-log.server";
import { RouteError } from "~/components/RouteError";
import { adminLinks } from "~/components/admin-links";
import { CustomerExplanationCard } from "~/components/customer/CustomerExplanationCard";
import { CustomerScoresCard } from "~/components/customer/CustomerScoresCard";
import { CustomerOrdersCard } from "~/components/customer/CustomerOrdersCard";
import { CustomerSegmentsCard } from "~/components/customer/CustomerSegmentsCard";
import { PlanGateBanner } from "~/components/PlanGateBanner";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.customer.name} · Segments` : "Customer · Segments" },
];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop, sessionToken } = await requireAdminShop(request);
  const detail = await customerDetail(shop, params.id);
  await recordAccess(shop, staffUserOf(sessionToken), "customer.view", detail.customer.id);
  return { currency: shop.currency, plan: shop.plan, ...detail };
};

export default function CustomerPage() {
  const { customer, score, why, memberships, orders, currency, plan } = useLoaderData<typeof loader>();
  return (
    <Page
      title={customer.name}
      subtitle={[customer.email, customer.location].filter(Boolean).join(" · ") || undefined}
      backAction={{ content: "Segments", url: "/app/segments" }}
      secondaryActions={[{ content: "Open in Shopify", url: adminLinks.customer(customer.shopifyId), target: "_top" }]}
    >
      <TitleBar title={customer.name} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {customer.optedOut && (
              <Banner tone="info" title="This customer opted out of profiling">
                <Text as="p">
                  {customer.dataSaleOptOut
                    ? "They opted out of data sale or sharing in Shopify."
                    : "They carry the shop's opt-out tag (Settings → Opt-out of profiling)."}{" "}
                  They are not scored or segmented, and the app's tags and metafields are removed from them at the next
                  push.
                </Text>
              </Banner>
            )}
            {score && (
              <PlanGateBanner
                plan={plan}
                feature="predictions"
                detail="Churn risk, probability still active, predicted CLV and the expected next order are not shown."
              />
            )}
            <CustomerExplanationCard summary={score?.explanation} why={why} />
            {score && <CustomerScoresCard score={score} currency={currency} />}
            <CustomerOrdersCard orders={orders} currency={currency} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <CustomerSegmentsCard
            memberships={memberships}
            tags={customer.tags}
            reach={{ email: customer.emailMarketing, sms: customer.smsMarketing }}
          />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customer" />;
}
