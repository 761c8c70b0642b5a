import { Badge, InlineStack, Link, Text } from "@shopify/polaris";
import type { CustomerDetail } from "~/admin/customers.server";
import { SectionCard } from "../SectionCard";
import { formatDate } from "../format";

export interface CustomerSegmentsCardProps {
  memberships: CustomerDetail["memberships"];
  /** The customer's tags as stored from Shopify. */
  tags: string[];
  /** Email and SMS marketing states as Shopify reports them (null: no address or number). */
  reach?: { email: string | null; sms: string | null };
}

const STATE_WORDS: Record<string, string> = {
  SUBSCRIBED: "subscribed",
  NOT_SUBSCRIBED: "not subscribed",
  UNSUBSCRIBED: "unsubscribed",
  PENDING: "pending confirmation",
  INVALID: "invalid address",
  REDACTED: "redacted",
};
const stateWords = (state: string | null) => (state === null ? "none" : (STATE_WORDS[state] ?? state.toLowerCase()));

/** The segments the customer is in (and since when), then their tags and whether campaigns reach them. */
export function CustomerSegmentsCard({ memberships, tags, reach }: CustomerSegmentsCardProps) {
  return (
    <SectionCard title="Segments">
      {memberships.length === 0 && (
        <Text as="p" tone="subdued">
          In no segment yet.
        </Text>
      )}
      {memberships.map((m) => (
        <InlineStack key={m.key} align="space-between" blockAlign="center">
          <Link url={`/app/segments/${m.key}`} removeUnderline>
            {m.name}
          </Link>
          <InlineStack gap="100">
            {m.control && <Badge>Control</Badge>}
            <Text as="span" variant="bodySm" tone="subdued">
              since {formatDate(m.since)}
            </Text>
          </InlineStack>
        </InlineStack>
      ))}
      {tags.length > 0 && (
        <Text as="p" variant="bodySm" tone="subdued">
          Your tags: {tags.join(", ")}
        </Text>
      )}
      {reach && (
        <Text as="p" variant="bodySm" tone="subdued">
          Email marketing: {stateWords(reach.email)} · SMS marketing: {stateWords(reach.sms)}
        </Text>
      )}
    </SectionCard>
  );
}
