import { BlockStack, InlineStack, Link, Text } from "@shopify/polaris";
import type { Movement } from "~/admin/members.server";
import { formatNumber } from "../format";

/** Other segments members came from or went to, with how many; nothing when there are none. */
export function SegmentFlowList({ title, flows }: { title: string; flows: Movement["cameFrom"] }) {
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
