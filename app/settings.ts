// Merchant settings stored in Shop.settings, with defaults. Shared by jobs and the admin UI.

export interface ShopSettings {
  tagPrefix: string;
  controlTagPrefix: string;
  pushTags: boolean;
  pushNativeSegments: boolean;
  pushMetafields: boolean;
  /** Daily full recompute, local hour in the shop's timezone. */
  recomputeHour: number;
  timezone: string | null;
  controlShare: number;
  kMin: number;
  kMax: number;
  clvHorizonMonths: number;
  monthlyDiscountRate: number;
}

export const DEFAULT_SETTINGS: ShopSettings = {
  tagPrefix: "seg:",
  controlTagPrefix: "seg-control:",
  pushTags: true,
  pushNativeSegments: true,
  pushMetafields: true,
  recomputeHour: 3,
  timezone: null,
  controlShare: 0,
  kMin: 2,
  kMax: 8,
  clvHorizonMonths: 12,
  monthlyDiscountRate: 0.01,
};

export function shopSettings(stored: unknown): ShopSettings {
  const value = stored && typeof stored === "object" ? (stored as Partial<ShopSettings>) : {};
  return { ...DEFAULT_SETTINGS, ...value };
}

/** Prefixes of every tag the app manages for this shop (never treated as merchant tags). */
export function appTagPrefixes(stored: unknown): string[] {
  const settings = shopSettings(stored);
  return [settings.tagPrefix, settings.controlTagPrefix];
}
