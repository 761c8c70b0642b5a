// Segment names are unique across kinds, case-insensitively (as Shopify compares segment
// names): the admin lists every kind together and each becomes a Shopify segment. Engine names
// are distinct by construction (a test checks every name a run can produce); a merchant's rule
// may not take one of them, and a rule saved under such a name before it was reserved makes
// the engine segment kind-qualified instead ("Champions (RFM)") rather than renaming the
// merchant's own segment.
import { CLUSTER_BASE_NAMES } from "./cluster-names";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS } from "./segments";
import type { SegmentKind } from "./types";

const KIND_LABEL: Record<SegmentKind, string> = {
  rfm: "RFM",
  cluster: "cluster",
  lifecycle: "lifecycle",
  "churn-risk": "churn risk",
};

/** The comparison Shopify makes: trimmed, case-insensitive. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** Every fixed engine name plus every cluster name before look-alikes are told apart. */
export const ENGINE_SEGMENT_NAMES: readonly string[] = [
  ...RFM_SEGMENTS.map((s) => s.name),
  ...LIFECYCLE_STAGES.map((s) => s.name),
  ...CHURN_RISK_LEVELS.map((s) => s.name),
  ...CLUSTER_BASE_NAMES,
];

const RESERVED = new Set(ENGINE_SEGMENT_NAMES.map(nameKey));

/** Why a merchant's rule segment cannot be called `name`, or null when it can. */
export function reservedNameProblem(name: string): string | null {
  return RESERVED.has(nameKey(name)) ? `“${name.trim()}” is the name of a built-in segment: choose another name` : null;
}

/**
 * Display names for a run's engine segments that clash with none of `merchantNames` (the shop's
 * rule segments): a clashing one gets its kind, then a number, e.g. "Champions (RFM)".
 */
export function engineNamesAvoiding(
  engine: readonly { key: string; kind: SegmentKind; name: string }[],
  merchantNames: readonly string[],
): Map<string, string> {
  const taken = new Set([...merchantNames.map(nameKey), ...engine.map((s) => nameKey(s.name))]);
  const merchant = new Set(merchantNames.map(nameKey));
  const names = new Map<string, string>();
  for (const segment of engine) {
    let name = segment.name;
    if (merchant.has(nameKey(name))) {
      const qualified = `${segment.name} (${KIND_LABEL[segment.kind]})`;
      name = qualified;
      for (let n = 2; taken.has(nameKey(name)); n++) name = `${qualified} ${n}`;
      taken.add(nameKey(name));
    }
    names.set(segment.key, name);
  }
  return names;
}
