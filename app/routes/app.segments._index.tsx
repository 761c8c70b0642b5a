import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, EmptyState, Link, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { listSegments, minimumSizeOf, setSegmentEnabled } from "~/admin/segments.server";
import { RouteError } from "~/components/RouteError";
import { SegmentsTable } from "~/components/segments/SegmentsTable";
import { OverlapCard } from "~/components/segments/OverlapCard";
import { segmentOverlap } from "~/admin/overlap.server";
import { PlanGateBanner } from "~/components/PlanGateBanner";

export const meta = () => [{ title: "Segments · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const minimum = minimumSizeOf(shop);
  const [listed, { minimumSize, pushSmallSegments }] = await Promise.all([
    listSegments(shop, undefined, minimum),
    minimum,
  ]);
  // Churn-risk segments have no members on a plan without predictions: not listed (the banner says why).
  const segments = shop.plan.features.predictions ? listed : listed.filter((s) => s.kind !== "PREDICTIVE");
  const overlap = await segmentOverlap(shop, segments);
  // Every customer is in exactly one RFM segment, so their sizes add up to all scored customers.
  const scored = segments.filter((s) => s.kind === "RFM").reduce((sum, s) => sum + s.size, 0);
  return {
    segments,
    overlap,
    scored,
    minimumSize,
    pushSmallSegments,
    currency: shop.currency,
    plan: shop.plan,
    deleted: new URL(request.url).searchParams.get("deleted"),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const form = await request.formData();
  const key = String(form.get("key") ?? "");
  const enabled = form.get("enabled") === "true";
  await setSegmentEnabled(shop, key, enabled);
  return { key, enabled };
};

export default function Segments() {
  const { segments, overlap, scored, minimumSize, pushSmallSegments, currency, deleted, plan } =
    useLoaderData<typeof loader>();
  const small = segments.filter((s) => s.belowMinimum && s.enabled).length;
  return (
    <Page
      title="Segments"
      subtitle="Every segment the app maintains, with its customer tag and Shopify segment"
      primaryAction={{ content: "New rule segment", url: "/app/rules/new" }}
    >
      <TitleBar title="Segments" />
      <BlockStack gap="400">
        <PlanGateBanner plan={plan} feature="predictions" detail="Churn-risk segments are not computed." />
        <PlanGateBanner plan={plan} feature="clusters" detail="Cluster segments are not computed." />
        {deleted && (
          <Banner tone="success" title={`Deleted “${deleted}”`}>
            <Text as="p">Its Shopify customer segment and its tags are removed by the next push.</Text>
          </Banner>
        )}
        {small > 0 && (
          <Banner
            tone="warning"
            title={`${small} ${small === 1 ? "segment is" : "segments are"} below the minimum size`}
          >
            <Text as="p">
              {`Segments with fewer than ${minimumSize.toLocaleString("en-US")} customers are too small to act on reliably. `}
              {pushSmallSegments
                ? "They still get a Shopify customer segment, as your settings allow."
                : "They get no Shopify customer segment; their tags and metafields are written as usual."}{" "}
              <Link url="/app/settings">Change the minimum in Settings</Link>
            </Text>
          </Banner>
        )}
        <Card padding="0">
          {segments.length === 0 ? (
            <EmptyState
              heading="No segments yet"
              image=""
              action={{ content: "Create a rule segment", url: "/app/rules/new" }}
            >
              <Text as="p">
                Segments appear after the first compute run. You can already define your own rule segments.
              </Text>
            </EmptyState>
          ) : (
            <SegmentsTable
              segments={segments}
              scored={scored}
              currency={currency}
              minimumSize={minimumSize}
              pushSmallSegments={pushSmallSegments}
            />
          )}
        </Card>
        {segments.length > 0 && <OverlapCard overlap={overlap} />}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segments" />;
}
