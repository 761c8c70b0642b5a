// Merchant settings stored in Shop.settings, with defaults. Shared by jobs and the admin UI.

import {
  DEFAULT_MIN_SEGMENT_CUSTOMERS,
  DEFAULT_MIN_SEGMENT_SHARE,
  DEFAULT_SIZE_SHIFT_SHARE,
} from "~/segmentation/segment-health";

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
  /** Days ahead of expected orders, and the window every compute's backtest holds out. */
  predictionHorizonDays: number;
  /**
   * Segment health: a segment is "small" below the larger of this share of the scored customers
   * and `minSegmentCustomers` (app/segmentation/segment-health.ts). Small segments are flagged in
   * the admin and get no Shopify customer segment unless `pushSmallSegments`.
   */
  minSegmentShare: number;
  minSegmentCustomers: number;
  /** Create Shopify customer segments for small segments too (tags and metafields go either way). */
  pushSmallSegments: boolean;
  /** Share of a segment's size that, gained or lost between the last two runs, raises the overview's banner. */
  sizeShiftShare: number;
  /**
   * Keep orders for this many years (placed before now − N years, they are deleted by the hourly
   * retention task, app/sync/retention.server.ts); null keeps every order (the default).
   */
  orderRetentionYears: number | null;
  /**
   * Opt-out of profiling: customers with this tag (case-insensitive), or who opted out of data
   * sale/sharing in Shopify, are not scored, segmented or tagged (app/sync/write-records.server.ts,
   * refreshProfilingOptOut). Empty: only Shopify's opt-out counts.
   */
  optOutTag: string;
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
  predictionHorizonDays: 90,
  minSegmentShare: DEFAULT_MIN_SEGMENT_SHARE,
  minSegmentCustomers: DEFAULT_MIN_SEGMENT_CUSTOMERS,
  pushSmallSegments: false,
  sizeShiftShare: DEFAULT_SIZE_SHIFT_SHARE,
  orderRetentionYears: null,
  optOutTag: "segments-opt-out",
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

/** The instant before which a shop keeping orders for `years` years deletes them (and a back-fill skips them). */
export function orderRetentionCutoff(now: Date, years: number): Date {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}
