import { Banner, Link, Text } from "@shopify/polaris";
import { formatNumber } from "../format";

/** Why a segment below the minimum size has no Shopify customer segment (or has one anyway). */
export function SmallSegmentBanner({
  segment,
}: {
  segment: { size: number; minimumSize: number; pushSmallSegments: boolean };
}) {
  return (
    <Banner tone="warning" title="Below the minimum segment size">
      <Text as="p">
        {`${formatNumber(segment.size)} customers, the minimum is ${formatNumber(segment.minimumSize)}: too few to act on or to measure reliably. `}
        {segment.pushSmallSegments
          ? "It still gets a Shopify customer segment, as your settings allow."
          : "So it gets no Shopify customer segment (one made earlier is removed at the next push); its tag and metafields are written as usual."}{" "}
        <Link url="/app/settings">Change the minimum in Settings</Link>
      </Text>
    </Banner>
  );
}
