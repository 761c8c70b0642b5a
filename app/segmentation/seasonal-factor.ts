// The seasonal multiplier of a horizon from stored monthly effects: shared by the backtest's
// seasonal candidate and the live predictions, so both scale by the same number.

/** What a stored model keeps of the seasonal index: enough for the factor of any horizon from any day. */
export interface SeasonalEffects {
  /** exp(effect) per calendar month 0..11. */
  monthly: ArrayLike<number>;
  /** Mean multiplier over the exposure the base model was fitted on. */
  fittedLevel: number;
}

const DAY_MS = 86_400_000;

/** Calendar month 0..11 of a shop-local day number. */
export const monthOf = (day: number) => new Date(day * DAY_MS).getUTCMonth();

/** Seasonal level of the days (fromDay, fromDay + horizonDays] relative to the fitted level. */
export function seasonalFactor(index: SeasonalEffects, fromDay: number, horizonDays: number): number {
  let sum = 0;
  for (let d = 1; d <= horizonDays; d++) sum += index.monthly[monthOf(fromDay + d)];
  return horizonDays > 0 ? sum / horizonDays / index.fittedLevel : 1;
}
