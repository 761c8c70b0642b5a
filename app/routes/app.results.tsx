import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { BlockStack, Card, EmptyState, IndexTable, Page, Tabs, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { liftResults, resultsWindow } from "~/admin/lift.server";
import { RouteError } from "~/components/RouteError";
import { KindBadge } from "~/components/KindBadge";
import { LiftBadge, liftHeadline } from "~/components/segment/SegmentLiftCard";
import { formatDate, formatMoneyOrDash, formatNumber } from "~/components/format";
import { PeriodRevenueCard } from "~/components/results/PeriodRevenueCard";
import { periodRevenueRanking } from "~/admin/kpis.server";
import { reachableAudience } from "~/admin/segments.server";
import { ReachableAudienceCard } from "~/components/results/ReachableAudienceCard";
import { kpiPeriodOf } from "~/segmentation/period-kpis";
import { NumericCell, SegmentLinkCell } from "~/components/table-cells";

export const meta = () => [{ title: "Results · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const url = new URL(request.url);
  const [results, revenue, reach] = await Promise.all([
    liftResults(shop, resultsWindow(url)),
    periodRevenueRanking(shop, kpiPeriodOf(url.searchParams.get("period"))),
    reachableAudience(shop),
  ]);
  return { results, revenue, reach, currency: shop.currency };
};

const signedPercent = (x: number) => `${x >= 0 ? "+" : "−"}${Math.round(Math.abs(x) * 100)} %`;

export default function Results() {
  const { results, revenue, reach, currency } = useLoaderData<typeof loader>();
  const reachOf = (key: string) => reach.find((r) => r.key === key)?.emailReachable ?? null;
  const [, setParams] = useSearchParams();
  const periodRevenueOf = (key: string) => revenue.segments.find((s) => s.key === key)?.revenue ?? null;
  const tabs = results.windows.map((days) => ({ id: String(days), content: `${days} days` }));
  return (
    <Page
      title="Results"
      subtitle={
        results.asOf
          ? `What each segment's members spent against its control group, measured ${formatDate(results.asOf)}`
          : "What each segment's members spent against its control group"
      }
    >
      <TitleBar title="Results" />
      <BlockStack gap="400">
        <Card padding="0">
          {results.segments.length === 0 ? (
            <EmptyState heading="No results yet" image="">
              <Text as="p">
                {results.controlShare === 0
                  ? "No control group is held out: set a control share in Settings, then results appear as customers' windows pass."
                  : "Results appear after the next compute run."}
              </Text>
            </EmptyState>
          ) : (
            <BlockStack gap="0">
              <Tabs
                tabs={tabs}
                selected={Math.max(0, results.windows.indexOf(results.windowDays))}
                onSelect={(index) =>
                  setParams(
                    (current) => {
                      const next = new URLSearchParams(current);
                      next.set("window", tabs[index].id);
                      return next;
                    },
                    { preventScrollReset: true, replace: true },
                  )
                }
              />
              <IndexTable
                resourceName={{ singular: "segment", plural: "segments" }}
                itemCount={results.segments.length}
                selectable={false}
                headings={[
                  { title: "Segment" },
                  { title: "Kind" },
                  { title: "Lift", alignment: "end" },
                  { title: "95 % interval", alignment: "end" },
                  { title: "Members", alignment: "end" },
                  { title: "Control", alignment: "end" },
                  { title: "Reachable by email", alignment: "end" },
                  { title: `Revenue, ${revenue.label}`, alignment: "end" },
                  { title: "In words" },
                ]}
              >
                {results.segments.map((row, index) => (
                  <IndexTable.Row id={row.key} key={row.key} position={index}>
                    <SegmentLinkCell segmentKey={row.key} name={row.name} />
                    <IndexTable.Cell>
                      <KindBadge kind={row.kind} />
                    </IndexTable.Cell>
                    <NumericCell>
                      {row.revenueLift === null ? <LiftBadge window={row} /> : signedPercent(row.revenueLift)}
                    </NumericCell>
                    <NumericCell>
                      {row.revenueLow === null || row.revenueHigh === null
                        ? "–"
                        : `${signedPercent(row.revenueLow)} to ${signedPercent(row.revenueHigh)}`}
                    </NumericCell>
                    <NumericCell>{formatNumber(row.treated)}</NumericCell>
                    <NumericCell>{formatNumber(row.control)}</NumericCell>
                    <NumericCell>{reachOf(row.key) === null ? "–" : formatNumber(reachOf(row.key)!)}</NumericCell>
                    <NumericCell>{formatMoneyOrDash(periodRevenueOf(row.key), currency)}</NumericCell>
                    <IndexTable.Cell>
                      <Text as="span" breakWord>
                        {liftHeadline(row)}
                      </Text>
                    </IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </BlockStack>
          )}
        </Card>
        <PeriodRevenueCard
          revenue={revenue}
          currency={currency}
          onPeriod={(period) =>
            setParams(
              (current) => {
                const next = new URLSearchParams(current);
                next.set("period", period);
                return next;
              },
              { preventScrollReset: true, replace: true },
            )
          }
        />
        <ReachableAudienceCard segments={reach} />
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Results" />;
}
