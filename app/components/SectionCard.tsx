import type { ReactNode } from "react";
import { BlockStack, Box, Card, InlineStack, Text } from "@shopify/polaris";

export interface SectionCardProps {
  /** The card's heading (an h2: each card is a section of its page). */
  title: string;
  /** A subdued line under the heading. */
  description?: string;
  /** At the heading's end, e.g. a button. */
  action?: ReactNode;
  /** Space between the heading and each child. */
  gap?: "200" | "300" | "400";
  /** Children run to the card's edges (tables); only the heading keeps the card's padding. */
  flush?: boolean;
  children?: ReactNode;
}

/** A card that is one section of a page: its heading, then its content. */
export function SectionCard({ title, description, action, gap = "300", flush = false, children }: SectionCardProps) {
  const heading = (
    <Text as="h2" variant="headingMd">
      {title}
    </Text>
  );
  const titled = description ? (
    <BlockStack gap="100">
      {heading}
      <Text as="p" tone="subdued">
        {description}
      </Text>
    </BlockStack>
  ) : (
    heading
  );
  const header = action ? (
    <InlineStack align="space-between" blockAlign="center">
      {titled}
      {action}
    </InlineStack>
  ) : (
    titled
  );
  if (flush) {
    return (
      <Card padding="0">
        <Box padding="400">{header}</Box>
        {children}
      </Card>
    );
  }
  return (
    <Card>
      <BlockStack gap={gap}>
        {header}
        {children}
      </BlockStack>
    </Card>
  );
}
