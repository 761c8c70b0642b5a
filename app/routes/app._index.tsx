import { useEffect } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Button,
  Card,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { shopOverview } from "~/models/overview.server";
import { CLV_BUCKETS } from "~/models/clv-buckets";
import { env } from "~/env.server";
import { SegmentCard } from "~/components/SegmentCard";
import { ThemeStatusCard } from "~/components/ThemeStatusCard";
import { RunStatus } from "~/components/RunStatus";
import { RouteError } from "~/components/RouteError";
import { BarChart } from "~/components/charts/BarChart";
import { HeatMapTable } from "~/components/charts/HeatMapTable";
import { LineChart } from "~/components/charts/LineChart";
import { formatMoney, formatNumber } from "~/components/format";

export const meta = () => [{ title: "Overview · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const overview = await shopOverview(shop);
  return { shop: shop.domain, apiKey: env().shopifyApiKey, currency: shop.currency, ...overview };
};

const ACTIVE = new Set(["QUEUED", "RUNNING"]);
const MAX_CARDS = 12;

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const { runs, hasResults, currency } = data;
  const syncing = runs.SYNC && ACTIVE.has(runs.SYNC.status);
  const computing = runs.COMPUTE && ACTIVE.has(runs.COMPUTE.status);
  const revalidator = useRevalidator();

  // While a sync or compute runs, refresh the numbers every few seconds.
  useEffect(() => {
    if (!syncing && !computing) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    return () => clearInterval(timer);
  }, [syncing, computing, revalidator]);

  const cards = data.segments
    .filter((s) => s.enabled && s.size > 0)
    .sort((a, b) => b.revenue - a.revenue)
    .slice(0, MAX_CARDS);
  const rfmSeries = data.segments
    .filter((s) => s.kind === "RFM" && data.sizeHistory[s.key]?.length)
    .sort((a, b) => b.size - a.size)
    .slice(0, 6)
    .map((s) => ({ name: s.name, points: data.sizeHistory[s.key].map((p) => ({ at: p.at, value: p.size })) }));
  const gridValue = (r: number, fm: number) => data.rfmGrid.find((cell) => cell.r === r && cell.fm === fm)?.customers ?? 0;

  return (
    <Page title="Overview">
      <TitleBar title="Segments" />
      <BlockStack gap="500">
        <Card>
          <InlineStack gap="600" wrap>
            <RunStatus label="Sync" run={runs.SYNC} />
            <RunStatus label="Segments computed" run={runs.COMPUTE} />
            <RunStatus label="Pushed to Shopify" run={runs.PUSH} />
          </InlineStack>
        </Card>

        <ThemeStatusCard shop={data.shop} apiKey={data.apiKey} />

        {!hasResults && (
          <Onboarding
            syncing={Boolean(syncing)}
            computing={Boolean(computing)}
            done={runs.SYNC?.progressDone ?? 0}
            total={runs.SYNC?.progressTotal ?? null}
            customers={data.customerCount}
          />
        )}

        {hasResults && (
          <Layout>
            <Layout.Section>
              <BlockStack gap="400">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Segments ready: {formatNumber(data.scored)} customers scored
                  </Text>
                  <Button url="/app/segments" variant="plain">
                    All segments
                  </Button>
                </InlineStack>
                <InlineGrid columns={{ xs: 1, sm: 2, md: 3 }} gap="400">
                  {cards.map((segment) => (
                    <SegmentCard key={segment.key} segment={segment} totalCustomers={data.scored} totalRevenue={data.revenue} currency={currency} />
                  ))}
                </InlineGrid>
              </BlockStack>
            </Layout.Section>
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      RFM segment sizes over time
                    </Text>
                    {rfmSeries.length > 0 ? (
                      <LineChart title="Customers per RFM segment, last 90 days" series={rfmSeries} format={formatNumber} />
                    ) : (
                      <Text as="p" tone="subdued">
                        The chart fills in after a few daily runs.
                      </Text>
                    )}
                  </BlockStack>
                </Card>
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      Predicted customer lifetime value
                    </Text>
                    <BarChart
                      title={`Customers by predicted CLV (${currency})`}
                      bars={data.clvDistribution.map((bucket) => ({
                        label: bucket.upTo === null ? `${formatNumber(CLV_BUCKETS[CLV_BUCKETS.length - 1])}+` : `< ${formatNumber(bucket.upTo)}`,
                        value: bucket.customers,
                      }))}
                      format={formatNumber}
                    />
                  </BlockStack>
                </Card>
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    RFM grid
                  </Text>
                  <HeatMapTable
                    caption="Customers by recency score (rows, 5 = most recent) and frequency–monetary score (columns, 5 = buys most)"
                    columnHeader="Recency / FM"
                    columns={["1", "2", "3", "4", "5"]}
                    rows={[5, 4, 3, 2, 1].map((r) => ({ label: `R ${r}`, cells: [1, 2, 3, 4, 5].map((fm) => gridValue(r, fm)) }))}
                    format={formatNumber}
                  />
                  <Text as="p" variant="bodySm" tone="subdued">
                    Total revenue of scored customers: {formatMoney(data.revenue, currency)}
                  </Text>
                </BlockStack>
              </Card>
            </Layout.Section>
          </Layout>
        )}
      </BlockStack>
    </Page>
  );
}

function Onboarding(props: { syncing: boolean; computing: boolean; done: number; total: number | null; customers: number }) {
  if (props.syncing) {
    const progress = props.total ? Math.min(100, (props.done / props.total) * 100) : 0;
    return (
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Importing your customers and orders
          </Text>
          <ProgressBar progress={progress} size="small" ariaLabelledBy="sync-progress-label" />
          <Text as="p" id="sync-progress-label" tone="subdued">
            {props.total
              ? `${formatNumber(props.done)} of ${formatNumber(props.total)} records imported`
              : `${formatNumber(props.done)} records imported so far`}
            . Segments are computed as soon as the import finishes.
          </Text>
        </BlockStack>
      </Card>
    );
  }
  if (props.computing) {
    return (
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Computing your segments
          </Text>
          <ProgressBar progress={75} size="small" ariaLabelledBy="compute-progress-label" />
          <Text as="p" id="compute-progress-label" tone="subdued">
            {formatNumber(props.customers)} customers imported. Scoring them takes a minute or two.
          </Text>
        </BlockStack>
      </Card>
    );
  }
  return (
    <Card>
      <EmptyState heading="No segments yet" image="" action={{ content: "Open settings", url: "/app/settings" }}>
        <Box paddingBlockEnd="200">
          <Text as="p">
            {props.customers > 0
              ? `${formatNumber(props.customers)} customers are imported. Segments appear after the next daily run, or start a resync in settings.`
              : "Segments appear once your store has customers with orders. The app imports them automatically after install."}
          </Text>
        </Box>
      </EmptyState>
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Overview" />;
}
