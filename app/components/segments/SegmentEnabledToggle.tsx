import { useFetcher } from "@remix-run/react";
import { Button } from "@shopify/polaris";

/** Turns a segment on or off (posts `key` and `enabled` to the page's action), showing the new state at once. */
export function SegmentEnabledToggle({
  segmentKey,
  enabled,
  name,
}: {
  segmentKey: string;
  enabled: boolean;
  name: string;
}) {
  const fetcher = useFetcher();
  // Optimistic: show the requested state while the request is in flight.
  const pending = fetcher.formData ? fetcher.formData.get("enabled") === "true" : enabled;
  return (
    <Button
      size="slim"
      pressed={pending}
      // The visible text first in the name (WCAG 2.5.3, label in name); aria-pressed says the state.
      accessibilityLabel={`${pending ? "On" : "Off"}: ${name}`}
      loading={fetcher.state !== "idle"}
      onClick={() => fetcher.submit({ key: segmentKey, enabled: String(!pending) }, { method: "post" })}
    >
      {pending ? "On" : "Off"}
    </Button>
  );
}
