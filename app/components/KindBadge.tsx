import { Badge } from "@shopify/polaris";
import type { SegmentKind } from "~/generated/prisma/enums";

const KIND_LABELS: Record<SegmentKind, { label: string; tone?: "info" | "success" | "attention" | "magic" }> = {
  RFM: { label: "RFM", tone: "info" },
  CLUSTER: { label: "Cluster", tone: "magic" },
  PREDICTIVE: { label: "Predictive", tone: "attention" },
  LIFECYCLE: { label: "Lifecycle", tone: "success" },
  RULE: { label: "Rule" },
  AFFINITY: { label: "Product affinity", tone: "success" },
  SIGNAL: { label: "Buying habits", tone: "info" },
};

export function KindBadge({ kind }: { kind: SegmentKind }) {
  const { label, tone } = KIND_LABELS[kind];
  return <Badge tone={tone}>{label}</Badge>;
}
