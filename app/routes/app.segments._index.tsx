import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, IndexTable, Link, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { listSegments, setSegmentEnabled } from "~/models/segments.server";
import { KindBadge } from "~/components/KindBadge";
import { RouteError } from "~/components/RouteError";
import { adminLinks } from "~/components/admin-links";
import { formatMoney, formatNumber, formatShare } from "~/components/format";

export const meta = () => [{ title: "Segments · Segments" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const segments = await listSegments(shop);
  // Every customer is in exactly one RFM segment, so their sizes add up to all scored customers.
  const scored = segments.filter((s) => s.kind === "RFM").reduce((sum, s) => sum + s.size, 0);
  return { segments, scored, currency: shop.currency, deleted: new URL(request.url).searchParams.get("deleted") };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const form = await request.formData();
  const key = String(form.get("key") ?? "");
  const enabled = form.get("enabled") === "true";
  await setSegmentEnabled(shop, key, enabled);
  return { key, enabled };
};

function EnabledToggle({ segmentKey, enabled, name }: { segmentKey: string; enabled: boolean; name: string }) {
  const fetcher = useFetcher<typeof action>();
  // Optimistic: show the requested state while the request is in flight.
  const pending = fetcher.formData ? fetcher.formData.get("enabled") === "true" : enabled;
  return (
    <Button
      size="slim"
      pressed={pending}
      // The visible text first in the name (WCAG 2.5.3, label in name); aria-pressed says the state.
      accessibilityLabel={`${pending ? "On" : "Off"}: ${name}`}
      loading={fetcher.state !== "idle"}
      onClick={() => fetcher.submit({ key: segmentKey, enabled: String(!pending) }, { method: "post" })}
    >
      {pending ? "On" : "Off"}
    </Button>
  );
}

export default function Segments() {
  const { segments, scored, currency, deleted } = useLoaderData<typeof loader>();
  return (
    <Page
      title="Segments"
      subtitle="Every segment the app maintains, with its customer tag and Shopify segment"
      primaryAction={{ content: "New rule segment", url: "/app/rules/new" }}
    >
      <TitleBar title="Segments" />
      <BlockStack gap="400">
        {deleted && (
          <Banner tone="success" title={`Deleted “${deleted}”`}>
            <Text as="p">Its Shopify customer segment and its tags are removed by the next push.</Text>
          </Banner>
        )}
        <Card padding="0">
          {segments.length === 0 ? (
            <EmptyState heading="No segments yet" image="" action={{ content: "Create a rule segment", url: "/app/rules/new" }}>
              <Text as="p">Segments appear after the first compute run. You can already define your own rule segments.</Text>
            </EmptyState>
          ) : (
            <IndexTable
              resourceName={{ singular: "segment", plural: "segments" }}
              itemCount={segments.length}
              selectable={false}
              headings={[
                { title: "Segment" },
                { title: "Kind" },
                { title: "Customers", alignment: "end" },
                { title: "Share", alignment: "end" },
                { title: "Revenue", alignment: "end" },
                { title: "Tag" },
                { title: "Shopify segment" },
                { title: "Enabled" },
              ]}
            >
              {segments.map((segment, index) => (
                <IndexTable.Row id={segment.key} key={segment.key} position={index}>
                  <IndexTable.Cell>
                    <Link url={`/app/segments/${segment.key}`} removeUnderline monochrome>
                      <Text as="span" fontWeight="semibold">
                        {segment.name}
                      </Text>
                    </Link>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <KindBadge kind={segment.kind} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {formatNumber(segment.size)}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {formatShare(segment.size, scored)}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {formatMoney(segment.revenue, currency)}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge>{segment.tag}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {segment.shopifySegmentId ? (
                      <Link url={adminLinks.nativeSegment(segment.shopifySegmentId)} target="_top">
                        Open in Shopify
                      </Link>
                    ) : (
                      <Text as="span" tone="subdued">
                        Not pushed yet
                      </Text>
                    )}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <EnabledToggle segmentKey={segment.key} enabled={segment.enabled} name={segment.name} />
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          )}
        </Card>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segments" />;
}
