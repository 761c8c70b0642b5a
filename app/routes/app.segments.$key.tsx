import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Layout, Page } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { env } from "~/env.server";
import { lowestPlanWith } from "~/billing/plans";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import { segmentSummary, setSegmentFlowTriggers } from "~/admin/segments.server";
import { recordAccess, staffUserOf } from "~/admin/access-log.server";
import { segmentPrediction } from "~/admin/predictions.server";
import { segmentLift } from "~/admin/lift.server";
import { segmentPeriodKpis } from "~/admin/kpis.server";
import { kpiPeriodOf } from "~/segmentation/period-kpis";
import { memberQueryFrom, segmentMembers, segmentMovement } from "~/admin/members.server";
import { KindBadge } from "~/components/KindBadge";
import { RouteError } from "~/components/RouteError";
import { RuleErrorBanner } from "~/components/RuleErrorBanner";
import { SegmentSummaryCard } from "~/components/segment/SegmentSummaryCard";
import { SegmentMembersCard } from "~/components/segment/SegmentMembersCard";
import { UseInShopifyCard } from "~/components/segment/UseInShopifyCard";
import { FlowTriggersCard } from "~/components/segment/FlowTriggersCard";
import { SegmentMovementCard } from "~/components/segment/SegmentMovementCard";
import { SegmentLiftCard } from "~/components/segment/SegmentLiftCard";
import { SegmentKpisCard } from "~/components/segment/SegmentKpisCard";
import { SmallSegmentBanner } from "~/components/segment/SmallSegmentBanner";
import { StorefrontContentCard } from "~/components/segment/StorefrontContentCard";
import { PlanGateBanner } from "~/components/PlanGateBanner";
import { LabelTrackRecordCard, PredictionsWithheldBanner } from "~/components/segment/SegmentPredictionNotes";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.segment.name} · Segments` : "Segment · Segments" },
];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop, sessionToken } = await requireAdminShop(request);
  const segment = await segmentSummary(shop, params.key ?? "");
  const url = new URL(request.url);
  const query = memberQueryFrom(url);
  const [members, movement, prediction, lift, kpis] = await Promise.all([
    segmentMembers(shop, segment.key, query),
    segmentMovement(shop, segment.key, segment.kind),
    segmentPrediction(shop, segment.key, segment.kind),
    segmentLift(shop, segment.key),
    segmentPeriodKpis(shop, segment.key, kpiPeriodOf(url.searchParams.get("kpis"))),
  ]);
  // The members table shows names and emails.
  if (members.members.length > 0)
    await recordAccess(shop, staffUserOf(sessionToken), "segment.members.view", segment.key, {
      members: members.members.length,
    });
  return {
    shop: shop.domain,
    apiKey: env().shopifyApiKey,
    currency: shop.currency,
    segment,
    members,
    query: { sort: query.sort, direction: query.direction },
    movement,
    prediction,
    lift,
    kpis,
    plan: shop.plan,
  };
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const form = await request.formData();
  if (form.get("intent") !== "flow") throw new Response("Unknown action", { status: 400 });
  const on = form.get("on") === "true";
  // Functionally gated, not only in the page: switching Flow triggers on needs a plan with them.
  if (on && !shop.plan.features.flow)
    throw new Response(`Flow triggers need the ${lowestPlanWith("flow").name} plan`, { status: 403 });
  await setSegmentFlowTriggers(shop, params.key ?? "", on);
  return { flowTriggers: on };
};

export default function SegmentDetail() {
  const { segment, members, query, movement, prediction, lift, kpis, currency, shop, apiKey, plan } =
    useLoaderData<typeof loader>();
  const ruleUrl = `/app/rules/${segment.key}`;
  return (
    <Page
      title={segment.name}
      titleMetadata={<KindBadge kind={segment.kind} />}
      subtitle={
        !segment.enabled
          ? "Disabled: not pushed to Shopify"
          : prediction.withheld
            ? "Not enough data yet: not pushed to Shopify"
            : undefined
      }
      backAction={{ content: "Segments", url: "/app/segments" }}
      secondaryActions={
        segment.kind === "RULE"
          ? [
              { content: "Edit rule", url: ruleUrl },
              { content: "Delete", destructive: true, url: `${ruleUrl}?delete=1` },
            ]
          : []
      }
    >
      <TitleBar title={segment.name} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {segment.ruleError && (
              <RuleErrorBanner
                error={segment.ruleError}
                nextStep="Fix the conditions, or delete the segment."
                editUrl={ruleUrl}
              />
            )}
            {segment.kind === "PREDICTIVE" && (
              <PlanGateBanner plan={plan} feature="predictions" detail="This segment has no members on your plan." />
            )}
            {prediction.withheld && <PredictionsWithheldBanner prediction={prediction} />}
            {segment.belowMinimum && <SmallSegmentBanner segment={segment} />}
            <SegmentSummaryCard segment={segment} currency={currency} />
            {(prediction.labelSentence || prediction.cutoffSentence) && (
              <LabelTrackRecordCard prediction={prediction} />
            )}
            <SegmentKpisCard kpis={kpis} segmentKey={segment.key} currency={currency} />
            <SegmentLiftCard lift={lift} currency={currency} />
            <SegmentMembersCard
              segmentKey={segment.key}
              page={members}
              currency={currency}
              sort={query.sort}
              direction={query.direction}
            />
          </BlockStack>
        </Layout.Section>

        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <UseInShopifyCard segment={segment} withheld={prediction.withheld} plan={plan} />
            <FlowTriggersCard
              flowTriggers={segment.flowTriggers}
              churnRisk={segment.key.startsWith("churn-risk-")}
              plan={plan}
            />
            <SegmentMovementCard movement={movement} />
            <StorefrontContentCard segmentKey={segment.key} shop={shop} apiKey={apiKey} plan={plan} />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segment" />;
}
