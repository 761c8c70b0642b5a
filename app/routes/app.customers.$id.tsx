import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Stat } from "~/components/Stat";
import { Badge, BlockStack, Card, DataTable, InlineGrid, InlineStack, Layout, Link, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { customerDetail } from "~/models/customers.server";
import { RouteError } from "~/components/RouteError";
import { adminLinks } from "~/components/admin-links";
import { formatDate, formatMoney, formatNumber, formatPercent } from "~/components/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.customer.name} · Segments` : "Customer · Segments" }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  return { currency: shop.currency, ...(await customerDetail(shop, params.id)) };
};

export default function CustomerPage() {
  const { customer, score, memberships, orders, currency } = useLoaderData<typeof loader>();
  const money = (value: number | null) => (value === null ? "–" : formatMoney(value, currency));
  return (
    <Page
      title={customer.name}
      subtitle={customer.email ?? undefined}
      backAction={{ content: "Segments", url: "/app/segments" }}
      secondaryActions={[{ content: "Open in Shopify", url: adminLinks.customer(customer.shopifyId), target: "_top" }]}
    >
      <TitleBar title={customer.name} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Why here
                </Text>
                <Text as="p">{score?.explanation || "Not scored yet: scores appear after the next compute run."}</Text>
              </BlockStack>
            </Card>
            {score && (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Scores
                  </Text>
                  <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                    <Stat label="RFM (recency, frequency, monetary)" value={`${score.r} · ${score.f} · ${score.m}`} />
                    <Stat label="Probability still active" value={score.pAlive === null ? "–" : formatPercent(score.pAlive, 0)} />
                    <Stat label="Predicted lifetime value" value={money(score.clv)} />
                    <Stat label="Expected orders" value={score.expectedOrders === null ? "–" : score.expectedOrders.toFixed(1)} />
                    <Stat label="Predicted next order" value={formatDate(score.nextOrderAt)} />
                    <Stat label="Expected order value" value={money(score.expectedAov)} />
                    <Stat label="Lifecycle" value={score.lifecycle ?? "–"} />
                    <Stat label="Days since last order" value={score.recencyDays === null ? "–" : formatNumber(score.recencyDays)} />
                  </InlineGrid>
                </BlockStack>
              </Card>
            )}
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Orders
                </Text>
                <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                  <Stat label="Orders" value={formatNumber(orders.count)} />
                  <Stat label="Net spent" value={money(orders.net)} />
                  <Stat label="Average order" value={money(orders.averageValue)} />
                  <Stat label="First – last order" value={`${formatDate(orders.first)} – ${formatDate(orders.last)}`} />
                </InlineGrid>
                {orders.recent.length > 0 && (
                  <DataTable
                    columnContentTypes={["text", "text", "numeric", "text"]}
                    headings={["Order", "Date", "Total", "Status"]}
                    rows={orders.recent.map((o) => [o.name, formatDate(o.processedAt), money(o.total - o.refunded), o.status])}
                  />
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Segments
              </Text>
              {memberships.length === 0 && (
                <Text as="p" tone="subdued">
                  In no segment yet.
                </Text>
              )}
              {memberships.map((m) => (
                <InlineStack key={m.key} align="space-between" blockAlign="center">
                  <Link url={`/app/segments/${m.key}`} removeUnderline>
                    {m.name}
                  </Link>
                  <InlineStack gap="100">
                    {m.control && <Badge>Control</Badge>}
                    <Text as="span" variant="bodySm" tone="subdued">
                      since {formatDate(m.since)}
                    </Text>
                  </InlineStack>
                </InlineStack>
              ))}
              {customer.tags.length > 0 && (
                <Text as="p" variant="bodySm" tone="subdued">
                  Your tags: {customer.tags.join(", ")}
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customer" />;
}
