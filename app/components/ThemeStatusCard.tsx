import { useEffect, useState } from "react";
import { Badge, BlockStack, Box, Button, Divider, InlineStack, Text } from "@shopify/polaris";
import { themeEditorLinks } from "~/components/admin-links";
import { SectionCard } from "~/components/SectionCard";
import {
  readThemeStatus,
  BANNER_EMBED,
  STOREFRONT_BLOCKS,
  type StorefrontPiece,
  type ThemeStatus,
} from "~/components/theme-status";

// Home-page card (Built for Shopify 4.2.3): is the Segment banner embed on, are the blocks placed,
// with deep links into the theme editor. Only the browser knows (App Bridge), so the server renders
// "checking" rows of the same shape, which keeps the layout still when the answer arrives.

type Row = { badge: string; tone?: "success" | "attention"; text: string; action: string; url: string };

function embedRow(status: ThemeStatus | undefined, url: string): Row {
  const name = BANNER_EMBED.name;
  if (!status)
    return {
      badge: "Checking",
      text: `Checking whether ${name} is on…`,
      action: `Check ${name} in the theme editor`,
      url,
    };
  if (!status.known) {
    return {
      badge: "Unknown",
      text: `We couldn't check your theme from here. Open the theme editor to make sure ${name} is on.`,
      action: `Check ${name} in the theme editor`,
      url,
    };
  }
  switch (status.embed.status) {
    case "active":
      return {
        badge: "On",
        tone: "success",
        text: `${name} is on in your published theme.`,
        action: `Check ${name} in the theme editor`,
        url,
      };
    case "unavailable":
      return {
        badge: "Unavailable",
        text: "Your published theme doesn't support app embeds.",
        action: "Open the theme editor",
        url,
      };
    default:
      return {
        badge: "Off",
        tone: "attention",
        text: `${name} is off: customers don't see segment banners yet.`,
        action: `Activate ${name}`,
        url,
      };
  }
}

function blockRow(status: ThemeStatus | undefined, piece: StorefrontPiece, url: string): Row {
  const { name } = piece;
  const action = `Add the ${name} block`;
  if (!status) return { badge: "Checking", text: `Checking where ${name} is placed…`, action, url };
  const block = status.known ? status.blocks.find((b) => b.handle === piece.handle) : undefined;
  if (!block) return { badge: "Unknown", text: `We couldn't check where ${name} is placed.`, action, url };
  if (block.status === "unavailable") {
    return {
      badge: "Unavailable",
      text: "Your published theme doesn't support app blocks (Online Store 2.0 themes do).",
      action,
      url,
    };
  }
  if (block.status === "active") {
    const places = block.placements === 1 ? "1 place" : `${block.placements} places`;
    return {
      badge: "Placed",
      tone: "success",
      text: `${name} is placed in ${block.placements > 0 ? places : "your published theme"}.`,
      action,
      url,
    };
  }
  return { badge: "Not placed", tone: "attention", text: `${name} isn't in your published theme yet.`, action, url };
}

function StatusRow({ title, kind, row }: { title: string; kind: string; row: Row }) {
  return (
    <InlineStack align="space-between" blockAlign="center" gap="400">
      <BlockStack gap="100">
        {/* align is explicit: nested stacks would inherit the outer one's space-between. */}
        <InlineStack gap="200" align="start" blockAlign="center">
          <Text as="h3" variant="headingSm">
            {title}
          </Text>
          <Text as="span" tone="subdued">
            {kind}
          </Text>
          <Badge tone={row.tone}>{row.badge}</Badge>
        </InlineStack>
        <Text as="p">{row.text}</Text>
      </BlockStack>
      <Box minWidth="fit-content">
        {/* target only: through AppProvider's Remix link, Polaris' `external` ends up as a DOM attribute. */}
        <Button url={row.url} target="_blank">
          {row.action}
        </Button>
      </Box>
    </InlineStack>
  );
}

export function ThemeStatusCard({ shop, apiKey }: { shop: string; apiKey: string }) {
  const [status, setStatus] = useState<ThemeStatus | undefined>(undefined);

  useEffect(() => {
    let current = true;
    const read = () => {
      void readThemeStatus((window as { shopify?: unknown }).shopify).then((next) => current && setStatus(next));
    };
    read();
    // The deep links open the theme editor in another tab: read again when the merchant comes back.
    window.addEventListener("focus", read);
    return () => {
      current = false;
      window.removeEventListener("focus", read);
    };
  }, []);

  return (
    <SectionCard
      title="Storefront"
      description="Segment-specific content in your online store, from the app's theme app extension."
      gap="400"
    >
      <StatusRow
        title={BANNER_EMBED.name}
        kind="App embed"
        row={embedRow(status, themeEditorLinks.activateEmbed(shop, apiKey, BANNER_EMBED.handle))}
      />
      {STOREFRONT_BLOCKS.map((block) => (
        <BlockStack gap="400" key={block.handle}>
          <Divider />
          <StatusRow
            title={block.name}
            kind="App block"
            row={blockRow(status, block, themeEditorLinks.addBlock(shop, apiKey, block.handle))}
          />
        </BlockStack>
      ))}
    </SectionCard>
  );
}
