import { Badge, Button, ButtonGroup, Text } from "@shopify/polaris";
import type { SegmentRow } from "~/admin/segments.server";
import { adminLinks } from "../admin-links";
import type { PlanView } from "~/billing/plans";
import { PlanGateBanner } from "../PlanGateBanner";
import { SectionCard } from "../SectionCard";

/** Where the segment shows up in Shopify: its customer tag, its customer segment, Shopify Email. */
export function UseInShopifyCard({
  segment,
  withheld = false,
  plan,
}: {
  segment: Pick<SegmentRow, "name" | "tag" | "shopifySegmentId" | "belowMinimum"> & { pushSmallSegments?: boolean };
  withheld?: boolean;
  plan?: PlanView;
}) {
  const tooSmall = segment.belowMinimum && !segment.pushSmallSegments;
  return (
    <SectionCard title="Use it in Shopify">
      {plan && <PlanGateBanner plan={plan} feature="pushes" detail="This segment is not tagged or sent to Shopify." />}
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
            {withheld
              ? "Not in Shopify until there is enough data for predictions."
              : tooSmall
                ? "No Shopify segment: below the minimum segment size (Settings). The tag is written."
                : "The Shopify segment is created on the next push."}
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
    </SectionCard>
  );
}
