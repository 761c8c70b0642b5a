// Figures as the app's own pages write them (app/components/format.ts): en-US, dates in UTC.

export function money(value: number | null, currency: string): string {
  if (value === null) return "–";
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    maximumFractionDigits: value >= 1000 ? 0 : 2,
  }).format(value);
}

export function percent(fraction: number | null): string {
  return fraction === null ? "–" : `${(fraction * 100).toFixed(0)} %`;
}

export function date(iso: string | null): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleDateString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}
