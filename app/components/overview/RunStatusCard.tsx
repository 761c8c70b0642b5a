import { Card, InlineStack } from "@shopify/polaris";
import type { RunKind } from "~/generated/prisma/enums";
import type { RunStatusView } from "~/admin/overview.server";
import { RunStatus } from "../RunStatus";

/** The newest sync, compute and push run of the shop, side by side. */
export function RunStatusCard({ runs }: { runs: Partial<Record<RunKind, RunStatusView>> }) {
  return (
    <Card>
      <InlineStack gap="600" wrap>
        <RunStatus label="Sync" run={runs.SYNC} />
        <RunStatus label="Segments computed" run={runs.COMPUTE} />
        <RunStatus label="Pushed to Shopify" run={runs.PUSH} />
      </InlineStack>
    </Card>
  );
}
