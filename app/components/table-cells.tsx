import { IndexTable, Link, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

// Cells the admin's segment tables share, so that every table aligns and links the same way.

/** A right-aligned cell with tabular figures (counts, money, shares). */
export function NumericCell({ children }: { children: ReactNode }) {
  return (
    <IndexTable.Cell>
      <Text as="span" alignment="end" numeric>
        {children}
      </Text>
    </IndexTable.Cell>
  );
}

/** The segment's name, linking to its page. */
export function SegmentLinkCell({ segmentKey, name }: { segmentKey: string; name: string }) {
  return (
    <IndexTable.Cell>
      <Link url={`/app/segments/${segmentKey}`} removeUnderline monochrome>
        <Text as="span" fontWeight="semibold">
          {name}
        </Text>
      </Link>
    </IndexTable.Cell>
  );
}
