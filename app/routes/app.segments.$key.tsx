import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Stat } from "~/components/Stat";
import { useLoaderData, useNavigate, useSearchParams } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  EmptyState,
  IndexTable,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  Page,
  Pagination,
  Text,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { env } from "~/env.server";
import { requireShop } from "~/models/shop.server";
import { segmentSummary } from "~/models/segments.server";
import { memberQueryFrom, segmentMembers, segmentMovement, type MemberSort } from "~/models/members.server";
import { KindBadge } from "~/components/KindBadge";
import { RouteError } from "~/components/RouteError";
import { ExportButton } from "~/components/ExportButton";
import { adminLinks, themeEditorLink } from "~/components/admin-links";
import { formatDate, formatMoney, formatNumber, formatPercent, formatTrend } from "~/components/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.segment.name} · Segments` : "Segment · Segments" }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const segment = await segmentSummary(shop, params.key ?? "");
  const query = memberQueryFrom(new URL(request.url));
  const [members, movement] = await Promise.all([
    segmentMembers(shop, segment.key, query),
    segmentMovement(shop, segment.key, segment.kind),
  ]);
  return {
    shop: shop.domain,
    apiKey: env().shopifyApiKey,
    currency: shop.currency,
    segment,
    members,
    query: { sort: query.sort, direction: query.direction },
    movement,
  };
};

const SORTABLE: { sort: MemberSort; title: string }[] = [
  { sort: "clv", title: "Predicted CLV" },
  { sort: "pAlive", title: "P(active)" },
  { sort: "lastOrder", title: "Last order" },
];

export default function SegmentDetail() {
  const { segment, members, query, movement, currency, shop, apiKey } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const trend = formatTrend(segment.size, segment.sizeWeekAgo);

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(searchParams);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    navigate(`?${next.toString()}`, { preventScrollReset: true });
  };
  const sortIndex = SORTABLE.findIndex((s) => s.sort === query.sort);

  return (
    <Page
      title={segment.name}
      titleMetadata={<KindBadge kind={segment.kind} />}
      subtitle={segment.enabled ? undefined : "Disabled: not pushed to Shopify"}
      backAction={{ content: "Segments", url: "/app/segments" }}
      secondaryActions={
        segment.kind === "RULE"
          ? [
              { content: "Edit rule", url: `/app/rules/${segment.key}` },
              { content: "Delete", destructive: true, url: `/app/rules/${segment.key}?delete=1` },
            ]
          : []
      }
    >
      <TitleBar title={segment.name} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {segment.ruleError && (
              <Banner tone="critical" title="This rule can't be computed" action={{ content: "Edit rule", url: `/app/rules/${segment.key}` }}>
                <BlockStack gap="200">
                  <Text as="p">{segment.ruleError}</Text>
                  <Text as="p">The last compute run skipped it, so it has no members. Fix the conditions, or delete the segment.</Text>
                </BlockStack>
              </Banner>
            )}
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Who is in it
                </Text>
                <Text as="p">{segment.ruleText ? `Customers who ${segment.ruleText}.` : (segment.description ?? "Computed by the app.")}</Text>
                <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                  <Stat size="headingLg" label="Customers" value={formatNumber(segment.size)} detail={trend?.label} />
                  <Stat size="headingLg" label="Revenue" value={formatMoney(segment.revenue, currency)} />
                  <Stat size="headingLg" label="Average CLV" value={segment.avgClv === null ? "–" : formatMoney(segment.avgClv, currency)} />
                  <Stat size="headingLg" label="Control group" value={formatNumber(segment.controlSize)} detail="held out of campaigns" />
                </InlineGrid>
              </BlockStack>
            </Card>

            <Card padding="0">
              <Box padding="400">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Members
                  </Text>
                  <ExportButton url={`/app/export/${segment.key}`} filename={`${segment.key}.csv`} />
                </InlineStack>
              </Box>
              {members.members.length === 0 ? (
                <EmptyState heading="No members yet" image="">
                  <Text as="p">Customers appear here after the next compute run puts them in this segment.</Text>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: "member", plural: "members" }}
                  itemCount={members.members.length}
                  selectable={false}
                  sortable={[false, false, true, true, true]}
                  sortColumnIndex={sortIndex + 2}
                  sortDirection={query.direction === "asc" ? "ascending" : "descending"}
                  onSort={(column, direction) =>
                    go({ sort: SORTABLE[column - 2].sort, direction: direction === "ascending" ? "asc" : "desc", after: null, before: null })
                  }
                  headings={[
                    { title: "Customer" },
                    { title: "Orders", alignment: "end" },
                    ...SORTABLE.map((s) => ({ title: s.title, alignment: "end" as const })),
                  ]}
                >
                  {members.members.map((member, index) => (
                    <IndexTable.Row id={member.id} key={member.id} position={index}>
                      <IndexTable.Cell>
                        <InlineStack gap="200" blockAlign="center" wrap={false}>
                          <Link url={`/app/customers/${member.id}`} removeUnderline>
                            {member.name}
                          </Link>
                          {member.control && <Badge>Control</Badge>}
                        </InlineStack>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {formatNumber(member.orderCount)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {member.clv === null ? "–" : formatMoney(member.clv, currency)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {member.pAlive === null ? "–" : formatPercent(member.pAlive, 0)}
                        </Text>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {formatDate(member.lastOrderAt)}
                        </Text>
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
              <Box padding="300">
                <InlineStack align="center">
                  <Pagination
                    hasPrevious={Boolean(members.previous)}
                    hasNext={Boolean(members.next)}
                    onPrevious={() => go({ before: members.previous, after: null })}
                    onNext={() => go({ after: members.next, before: null })}
                  />
                </InlineStack>
              </Box>
            </Card>
          </BlockStack>
        </Layout.Section>

        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Use it in Shopify
                </Text>
                <Text as="p">
                  Customers carry the tag <Badge>{segment.tag}</Badge>
                </Text>
                <ButtonGroup>
                  {segment.shopifySegmentId ? (
                    <Button url={adminLinks.nativeSegment(segment.shopifySegmentId)} target="_top">
                      Open customer segment
                    </Button>
                  ) : (
                    <Text as="span" tone="subdued">
                      The Shopify segment is created on the next push.
                    </Text>
                  )}
                  <Button url={adminLinks.emailCampaign()} target="_top">
                    Create Shopify Email campaign
                  </Button>
                </ButtonGroup>
                {segment.shopifySegmentId && (
                  <Text as="p" variant="bodySm" tone="subdued">
                    In Shopify Email, choose the customer segment “{segment.name}” as the audience.
                  </Text>
                )}
              </BlockStack>
            </Card>

            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Movement since the previous run
                </Text>
                {movement.runId ? (
                  <>
                    <Text as="p">
                      {formatNumber(movement.entered)} joined, {formatNumber(movement.left)} left ({formatDate(movement.runAt)})
                    </Text>
                    <Flows title="Came from" flows={movement.cameFrom} />
                    <Flows title="Went to" flows={movement.wentTo} />
                  </>
                ) : (
                  <Text as="p" tone="subdued">
                    Shown after the first compute run.
                  </Text>
                )}
              </BlockStack>
            </Card>

            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Storefront content
                </Text>
                <Text as="p">
                  Add the “Segment content” block to your theme and set its segment to <Badge>{segment.key}</Badge> to show content
                  only to these customers.
                </Text>
                <Button url={themeEditorLink(shop, apiKey)} target="_blank" external>
                  Open the theme editor
                </Button>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Flows({ title, flows }: { title: string; flows: { key: string; name: string; count: number }[] }) {
  if (flows.length === 0) return null;
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm">
        {title}
      </Text>
      {flows.map((flow) => (
        <InlineStack key={flow.key} align="space-between">
          <Link url={`/app/segments/${flow.key}`} removeUnderline>
            {flow.name}
          </Link>
          <Text as="span" numeric>
            {formatNumber(flow.count)}
          </Text>
        </InlineStack>
      ))}
    </BlockStack>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segment" />;
}
