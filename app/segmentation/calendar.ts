// Calendar arithmetic on integer day numbers (days since 1970-01-01 in the shop's time
// zone). The engine works at day granularity: same-day purchases are one transaction, as in
// the BG/NBD paper, and recency/tenure are whole days.

export const MS_PER_DAY = 86_400_000;
/** Average Gregorian month, used for CLV discounting and horizons in months. */
export const DAYS_PER_MONTH = 365.2425 / 12;

export function dayNumber(epochMs: number, utcOffsetMinutes: number): number {
  return Math.floor((epochMs + utcOffsetMinutes * 60_000) / MS_PER_DAY);
}

/** Epoch ms of the start of a shop-local day. */
export function dayStart(day: number, utcOffsetMinutes: number): number {
  return day * MS_PER_DAY - utcOffsetMinutes * 60_000;
}

/** Months since January 1970 of a day number (calendar months, not 30-day blocks). */
export function monthNumber(day: number): number {
  const date = new Date(day * MS_PER_DAY);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

/** "YYYY-MM" label of a month number. */
export function monthLabel(month: number): string {
  const year = 1970 + Math.floor(month / 12);
  return `${year}-${String((month % 12) + 1).padStart(2, "0")}`;
}

/** "YYYY-MM-DD" of a day number. */
export function dayLabel(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
