import { useFetcher } from "@remix-run/react";
import { Checkbox, Text } from "@shopify/polaris";
import type { PlanView } from "~/billing/plans";
import { isGated, PlanGateBanner } from "../PlanGateBanner";
import { SectionCard } from "../SectionCard";

/**
 * The segment's Flow triggers switch (posts `intent=flow` and `on` to the page's action). On a plan
 * without Flow triggers it is off and disabled beside the plan banner (the action refuses too).
 */
export function FlowTriggersCard({
  flowTriggers,
  churnRisk,
  plan,
}: {
  flowTriggers: boolean;
  churnRisk: boolean;
  plan: PlanView;
}) {
  const fetcher = useFetcher();
  const gated = isGated(plan, "flow");
  // Optimistic: show the requested state while the request is in flight.
  const on = !gated && (fetcher.formData ? fetcher.formData.get("on") === "true" : flowTriggers);
  return (
    <SectionCard title="Shopify Flow">
      <PlanGateBanner plan={plan} feature="flow" detail="No workflow is started by this app's triggers." />
      <Checkbox
        label="Start Flow workflows when customers enter or leave"
        checked={on}
        disabled={gated || fetcher.state !== "idle"}
        onChange={(checked) => fetcher.submit({ intent: "flow", on: String(checked) }, { method: "post" })}
        helpText={
          churnRisk
            ? "Triggers “Customer entered segment”, “Customer left segment” and “Customer churn risk changed” (into this level). Only moves from now on; control-group customers never."
            : "Triggers “Customer entered segment” and “Customer left segment”. Only moves from now on; control-group customers never."
        }
      />
      <Text as="p" variant="bodySm" tone="subdued">
        Flow’s own “Customer joined segment” trigger also works on this segment’s Shopify segment.
      </Text>
    </SectionCard>
  );
}
