// Number, money and date formatting shared by the admin pages (the merchant's locale is en here).

export function formatNumber(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatMoney(value: number, currency: string): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    maximumFractionDigits: value >= 1000 ? 0 : 2,
  }).format(value);
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatShare(part: number, whole: number): string {
  return whole > 0 ? formatPercent(part / whole) : "–";
}

export function formatDate(iso: string | null): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleDateString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  });
}

/** "+12 (+4.0 %)" style change; null when there is nothing to compare with. */
export function formatTrend(
  now: number,
  before: number | null,
): { label: string; tone: "success" | "critical" | undefined } | null {
  if (before === null) return null;
  const delta = now - before;
  const relative = before > 0 ? ` (${delta >= 0 ? "+" : ""}${((delta / before) * 100).toFixed(1)} %)` : "";
  return {
    label: `${delta >= 0 ? "+" : ""}${formatNumber(delta)}${relative} since last week`,
    tone: delta > 0 ? "success" : delta < 0 ? "critical" : undefined,
  };
}

/** Money, or a dash when there is no figure (not scored yet). */
export function formatMoneyOrDash(value: number | null, currency: string): string {
  return value === null ? "–" : formatMoney(value, currency);
}

/** A percentage, or a dash when there is no figure (not scored yet). */
export function formatPercentOrDash(fraction: number | null, digits = 1): string {
  return fraction === null ? "–" : formatPercent(fraction, digits);
}
