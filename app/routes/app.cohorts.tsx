import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { BlockStack, Card, EmptyState, Page, Tabs, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { cohortTable } from "~/admin/cohorts.server";
import { RouteError } from "~/components/RouteError";
import { HeatMapTable } from "~/components/charts/HeatMapTable";
import { formatMoney, formatPercent } from "~/components/format";

export const meta = () => [{ title: "Cohorts · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  return { currency: shop.currency, cohorts: await cohortTable(shop, 12) };
};

const MODES = [
  { id: "customers", content: "Customers" },
  { id: "revenue", content: "Revenue" },
];

export default function Cohorts() {
  const { cohorts, currency } = useLoaderData<typeof loader>();
  const [params, setParams] = useSearchParams();
  const mode = params.get("mode") === "revenue" ? "revenue" : "customers";
  const width = Math.max(0, ...cohorts.map((c) => c.retained.length));
  const columns = Array.from({ length: width }, (_, i) => `Month ${i}`);

  return (
    <Page title="Cohorts" subtitle="Customers grouped by the month of their first order">
      <TitleBar title="Cohorts" />
      <Card>
        {cohorts.length === 0 ? (
          <EmptyState heading="No cohorts yet" image="">
            <Text as="p">Cohorts appear after the next compute run.</Text>
          </EmptyState>
        ) : (
          <BlockStack gap="300">
            <Tabs
              tabs={MODES}
              selected={mode === "revenue" ? 1 : 0}
              onSelect={(index) => setParams({ mode: MODES[index].id }, { preventScrollReset: true, replace: true })}
            />
            {mode === "customers" ? (
              <HeatMapTable
                caption="Share of each cohort that ordered in each month after their first order"
                columnHeader="First order"
                columns={columns}
                rows={cohorts.map((c) => ({
                  label: `${c.month} (${c.customers})`,
                  cells: columns.map((_, i) =>
                    i < c.retained.length ? c.retained[i] / Math.max(1, c.customers) : null,
                  ),
                }))}
                format={(v) => formatPercent(v, 0)}
                max={1}
              />
            ) : (
              <HeatMapTable
                caption={`Net revenue (${currency}) from each cohort in each month after their first order`}
                columnHeader="First order"
                columns={columns}
                rows={cohorts.map((c) => ({
                  label: `${c.month} (${c.customers})`,
                  cells: columns.map((_, i) => (i < c.revenue.length ? c.revenue[i] : null)),
                }))}
                format={(v) => formatMoney(v, currency)}
              />
            )}
          </BlockStack>
        )}
      </Card>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Cohorts" />;
}
