import { Badge, InlineStack, Text } from "@shopify/polaris";
import type { RunStatusView } from "~/admin/overview.server";
import { formatDateTime } from "./format";

const TONES: Record<string, "success" | "critical" | "info" | "attention" | undefined> = {
  SUCCEEDED: "success",
  FAILED: "critical",
  RUNNING: "info",
  QUEUED: "attention",
  CANCELLED: undefined,
};

const WORDS: Record<string, string> = {
  SUCCEEDED: "Done",
  FAILED: "Failed",
  RUNNING: "Running",
  QUEUED: "Queued",
  CANCELLED: "Cancelled",
};

export function RunStatus({ label, run }: { label: string; run: RunStatusView | undefined }) {
  return (
    <InlineStack gap="200" blockAlign="center" wrap={false}>
      <Text as="span" variant="bodyMd" fontWeight="semibold">
        {label}
      </Text>
      {run ? (
        <>
          <Badge tone={TONES[run.status]}>{WORDS[run.status] ?? run.status}</Badge>
          <Text as="span" variant="bodySm" tone="subdued">
            {formatDateTime(run.finishedAt ?? run.at)}
          </Text>
        </>
      ) : (
        <Text as="span" variant="bodySm" tone="subdued">
          Not run yet
        </Text>
      )}
    </InlineStack>
  );
}
