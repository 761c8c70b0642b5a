// The app-owned customer metafields the push writes (declared in shopify.app.toml) and how a
// customer's scores and segments become their string values. Pure: no database, no Shopify.

export const METAFIELD_TYPES = {
  segments: "list.single_line_text_field",
  rfm: "single_line_text_field",
  rfm_segment: "single_line_text_field",
  lifecycle: "single_line_text_field",
  p_alive: "number_decimal",
  clv: "number_decimal",
  next_order_at: "date",
} as const;

export type MetafieldKey = keyof typeof METAFIELD_TYPES;
export type MetafieldValues = Partial<Record<MetafieldKey, string>>;

export interface CustomerFacts {
  /** Storefront tokens of the treatment (non-control) segments, most specific first. */
  segments: string[];
  score: {
    r: number;
    f: number;
    m: number;
    rfmSegment: string;
    lifecycle: string | null;
    pAlive: number | null;
    clv: number | null;
    nextOrderAt: Date | null;
  } | null;
}

/**
 * The values a customer's metafields should hold. A metafield has no empty value in Shopify, so
 * an empty segment list or a missing score (or score field) is left out: the push deletes it.
 */
export function metafieldValues(facts: CustomerFacts, timezone: string): MetafieldValues {
  const values: MetafieldValues = {};
  if (facts.segments.length) values.segments = JSON.stringify(facts.segments);
  const score = facts.score;
  if (!score) return values;
  values.rfm = `${score.r}${score.f}${score.m}`;
  values.rfm_segment = score.rfmSegment;
  if (score.lifecycle) values.lifecycle = score.lifecycle;
  if (score.pAlive !== null && Number.isFinite(score.pAlive)) values.p_alive = clamp01(score.pAlive).toFixed(4);
  if (score.clv !== null && Number.isFinite(score.clv)) values.clv = Math.max(0, score.clv).toFixed(2);
  if (score.nextOrderAt) values.next_order_at = localDate(score.nextOrderAt, timezone);
  return values;
}

/** The entries of `wanted` that differ from what was last written. */
export function changedMetafields(wanted: MetafieldValues, pushed: MetafieldValues | null): MetafieldValues {
  const changed: MetafieldValues = {};
  for (const key of Object.keys(wanted) as MetafieldKey[]) {
    if (pushed?.[key] !== wanted[key]) changed[key] = wanted[key];
  }
  return changed;
}

/** The keys written before that `wanted` no longer has a value for: to delete. */
export function removedMetafields(wanted: MetafieldValues, pushed: MetafieldValues | null): MetafieldKey[] {
  return (Object.keys(pushed ?? {}) as MetafieldKey[]).filter((key) => wanted[key] === undefined).sort();
}

/** Most specific first: smaller segments before larger ones, then by key for stability. */
export function orderBySpecificity(keys: string[], sizes: ReadonlyMap<string, number>): string[] {
  return [...keys].sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

function clamp01(x: number) {
  return Math.min(1, Math.max(0, x));
}

/** The calendar date of `at` in the shop's timezone (a `date` metafield has no time). */
export function localDate(at: Date, timezone: string): string {
  try {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}
