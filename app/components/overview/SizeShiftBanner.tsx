import { Banner, BlockStack, List, Link, Text } from "@shopify/polaris";
import type { SizeShiftView } from "~/admin/size-shifts.server";
import { formatDate, formatNumber } from "../format";

const signedPercent = (x: number) => `${x >= 0 ? "+" : "−"}${Math.round(Math.abs(x) * 100)} %`;

/** Segments whose size jumped or dropped between the last two runs: worth a look before the next campaign. */
export function SizeShiftBanner({ view }: { view: SizeShiftView }) {
  if (view.shifts.length === 0) return null;
  const count = view.shifts.length;
  return (
    <Banner
      tone="warning"
      title={`${count} ${count === 1 ? "segment" : "segments"} changed size by more than ${Math.round(view.share * 100)} % since the previous run`}
    >
      <BlockStack gap="200">
        <Text as="p">
          {`Between the runs of ${formatDate(view.previousAt)} and ${formatDate(view.latestAt)}. A sudden change often means a data or rule problem (a failed import, an edited rule), or a campaign working: check before you act on the segment.`}
        </Text>
        <List type="bullet">
          {view.shifts.map((s) => (
            <List.Item key={s.key}>
              <Link url={`/app/segments/${s.key}`}>{s.name}</Link>
              {`: ${formatNumber(s.previous)} → ${formatNumber(s.latest)} customers (${signedPercent(s.change)})`}
            </List.Item>
          ))}
        </List>
      </BlockStack>
    </Banner>
  );
}
