import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, InlineGrid, Layout, Link, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { shopOverview } from "~/admin/overview.server";
import { optedOutCount } from "~/admin/settings.server";
import { env } from "~/env.server";
import { ThemeStatusCard } from "~/components/ThemeStatusCard";
import { RouteError } from "~/components/RouteError";
import { RunStatusCard } from "~/components/overview/RunStatusCard";
import { OnboardingCard } from "~/components/overview/OnboardingCard";
import { TopSegmentsSection } from "~/components/overview/TopSegmentsSection";
import { RfmSizeHistoryCard } from "~/components/overview/RfmSizeHistoryCard";
import { ClvDistributionCard } from "~/components/overview/ClvDistributionCard";
import { RfmGridCard } from "~/components/overview/RfmGridCard";
import { PredictionQualityCard } from "~/components/overview/PredictionQualityCard";
import { SizeShiftBanner } from "~/components/overview/SizeShiftBanner";
import { useRevalidateWhile } from "~/components/overview/use-revalidate-while";
import { CustomerLimitBanner, PlanGateBanner } from "~/components/PlanGateBanner";

export const meta = () => [{ title: "Overview · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const [overview, optedOut] = await Promise.all([shopOverview(shop), optedOutCount(shop)]);
  return {
    shop: shop.domain,
    apiKey: env().shopifyApiKey,
    currency: shop.currency,
    optedOut,
    plan: shop.plan,
    ...overview,
  };
};

const ACTIVE = new Set(["QUEUED", "RUNNING"]);

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const { runs, hasResults, currency } = data;
  const syncing = Boolean(runs.SYNC && ACTIVE.has(runs.SYNC.status));
  const computing = Boolean(runs.COMPUTE && ACTIVE.has(runs.COMPUTE.status));
  // While a sync or compute runs, refresh the numbers every few seconds.
  useRevalidateWhile(syncing || computing);

  return (
    <Page title="Overview">
      <TitleBar title="Segments" />
      <BlockStack gap="500">
        <RunStatusCard runs={runs} />

        {hasResults && <SizeShiftBanner view={data.sizeShifts} />}

        <CustomerLimitBanner plan={data.plan} customers={data.customerCount} />

        {data.plan.features.storefrontBlocks ? (
          <ThemeStatusCard shop={data.shop} apiKey={data.apiKey} />
        ) : (
          <PlanGateBanner
            plan={data.plan}
            feature="storefrontBlocks"
            detail="The storefront blocks and the block on Shopify's customer page show no segments."
          />
        )}

        {!hasResults && (
          <OnboardingCard
            syncing={syncing}
            computing={computing}
            done={runs.SYNC?.progressDone ?? 0}
            total={runs.SYNC?.progressTotal ?? null}
            customers={data.customerCount}
          />
        )}

        {hasResults && (
          <Layout>
            <Layout.Section>
              <TopSegmentsSection
                segments={data.segments}
                scored={data.scored}
                revenue={data.revenue}
                currency={currency}
              />
            </Layout.Section>
            {data.optedOut > 0 && (
              <Layout.Section>
                <Text as="p" variant="bodySm" tone="subdued">
                  {data.optedOut === 1 ? "1 customer" : `${data.optedOut.toLocaleString("en-US")} customers`} opted out
                  of profiling and {data.optedOut === 1 ? "is" : "are"} not scored or segmented (
                  <Link url="/app/settings">Settings</Link>).
                </Text>
              </Layout.Section>
            )}
            {data.plan.features.predictions ? (
              data.predictions && (
                <Layout.Section>
                  <PredictionQualityCard quality={data.predictions} />
                </Layout.Section>
              )
            ) : (
              <Layout.Section>
                <PlanGateBanner
                  plan={data.plan}
                  feature="predictions"
                  detail="Churn risk, predicted CLV and expected orders, with the backtest of how good they are."
                />
              </Layout.Section>
            )}
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, md: data.plan.features.predictions ? 2 : 1 }} gap="400">
                <RfmSizeHistoryCard segments={data.segments} sizeHistory={data.sizeHistory} />
                {data.plan.features.predictions && (
                  <ClvDistributionCard buckets={data.clvDistribution} currency={currency} />
                )}
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <RfmGridCard grid={data.rfmGrid} revenue={data.revenue} currency={currency} />
            </Layout.Section>
          </Layout>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Overview" />;
}
