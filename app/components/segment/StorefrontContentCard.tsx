import { Badge, Button, Text } from "@shopify/polaris";
import { themeEditorLink } from "../admin-links";
import type { PlanView } from "~/billing/plans";
import { PlanGateBanner } from "../PlanGateBanner";
import { SectionCard } from "../SectionCard";

/** How to show content to this segment only: the "Segment content" theme block, set to its key. */
export function StorefrontContentCard({
  segmentKey,
  shop,
  apiKey,
  plan,
}: {
  segmentKey: string;
  shop: string;
  apiKey: string;
  plan: PlanView;
}) {
  return (
    <SectionCard title="Storefront content">
      <PlanGateBanner
        plan={plan}
        feature="storefrontBlocks"
        detail="The blocks show their fallback to every customer."
      />
      <Text as="p">
        Add the “Segment content” block to your theme and set its segment to <Badge>{segmentKey}</Badge> to show content
        only to these customers.
      </Text>
      <Button url={themeEditorLink(shop, apiKey)} target="_blank" external>
        Open the theme editor
      </Button>
    </SectionCard>
  );
}
