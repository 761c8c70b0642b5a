import { enqueueCompute, scheduleDailyCompute } from "~/enqueue.server";
import { refreshProfilingOptOut } from "~/sync/write-records.server";
import { queues } from "~/queues.server";
import { startSync } from "~/sync/shop-install.server";
import { DEFAULT_SETTINGS, type ShopSettings } from "~/settings";
import { db, type ShopContext } from "./admin-shop.server";

// The settings form: parsed and validated field by field, so the page can show each error
// beside its field. Percentages are entered as percent and stored as fractions.

export type SettingsErrors = Partial<Record<keyof ShopSettings, string>>;

const TAG_PREFIX = /^[A-Za-z0-9_:\-.]{1,20}$/;
const OPT_OUT_TAG = /^[^,]{1,40}$/;

function validTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function numberField(form: FormData, name: string): number {
  const raw = String(form.get(name) ?? "").trim();
  return raw === "" ? NaN : Number(raw);
}

export function parseSettingsForm(form: FormData): { settings: ShopSettings; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const flag = (name: string) => form.get(name) === "on" || form.get(name) === "true";

  const settings: ShopSettings = {
    tagPrefix: text("tagPrefix"),
    controlTagPrefix: text("controlTagPrefix"),
    pushTags: flag("pushTags"),
    pushNativeSegments: flag("pushNativeSegments"),
    pushMetafields: flag("pushMetafields"),
    recomputeHour: numberField(form, "recomputeHour"),
    timezone: text("timezone") || null,
    controlShare: numberField(form, "controlSharePercent") / 100,
    kMin: numberField(form, "kMin"),
    kMax: numberField(form, "kMax"),
    clvHorizonMonths: numberField(form, "clvHorizonMonths"),
    monthlyDiscountRate: numberField(form, "monthlyDiscountPercent") / 100,
    predictionHorizonDays: numberField(form, "predictionHorizonDays"),
    minSegmentShare: numberField(form, "minSegmentPercent") / 100,
    minSegmentCustomers: numberField(form, "minSegmentCustomers"),
    pushSmallSegments: flag("pushSmallSegments"),
    sizeShiftShare: numberField(form, "sizeShiftPercent") / 100,
    // Empty (or absent): keep every order.
    orderRetentionYears: text("orderRetentionYears") === "" ? null : numberField(form, "orderRetentionYears"),
    // Absent from the form: the default; empty: no tag (only Shopify's data sale opt-out counts).
    optOutTag: form.has("optOutTag") ? text("optOutTag") : DEFAULT_SETTINGS.optOutTag,
  };

  for (const field of ["tagPrefix", "controlTagPrefix"] as const) {
    if (!TAG_PREFIX.test(settings[field])) errors[field] = "Use 1–20 letters, digits or _ : - . (no spaces or commas)";
  }
  if (!errors.controlTagPrefix && settings.controlTagPrefix.toLowerCase() === settings.tagPrefix.toLowerCase()) {
    errors.controlTagPrefix = "Must differ from the segment tag prefix";
  } else if (
    !errors.controlTagPrefix &&
    settings.controlTagPrefix.toLowerCase().startsWith(settings.tagPrefix.toLowerCase())
  ) {
    errors.controlTagPrefix =
      "Must not start with the segment tag prefix, or control tags would look like segment tags";
  }
  if (!Number.isInteger(settings.recomputeHour) || settings.recomputeHour < 0 || settings.recomputeHour > 23) {
    errors.recomputeHour = "Choose an hour from 0 to 23";
  }
  if (settings.timezone && !validTimezone(settings.timezone))
    errors.timezone = "Unknown time zone (use a name like Europe/Paris)";
  if (!(settings.controlShare >= 0 && settings.controlShare <= 0.5))
    errors.controlShare = "Enter a share from 0 to 50 %";
  if (!Number.isInteger(settings.kMin) || settings.kMin < 2 || settings.kMin > 12)
    errors.kMin = "Enter a whole number from 2 to 12";
  if (!Number.isInteger(settings.kMax) || settings.kMax < 2 || settings.kMax > 12)
    errors.kMax = "Enter a whole number from 2 to 12";
  else if (!errors.kMin && settings.kMax < settings.kMin)
    errors.kMax = "Must be at least the minimum number of clusters";
  if (!Number.isInteger(settings.clvHorizonMonths) || settings.clvHorizonMonths < 1 || settings.clvHorizonMonths > 60) {
    errors.clvHorizonMonths = "Enter a whole number of months from 1 to 60";
  }
  if (!(settings.monthlyDiscountRate >= 0 && settings.monthlyDiscountRate <= 0.1)) {
    errors.monthlyDiscountRate = "Enter a monthly rate from 0 to 10 %";
  }
  if (
    !Number.isInteger(settings.predictionHorizonDays) ||
    settings.predictionHorizonDays < 30 ||
    settings.predictionHorizonDays > 365
  ) {
    errors.predictionHorizonDays = "Enter a whole number of days from 30 to 365";
  }
  if (!(settings.minSegmentShare >= 0 && settings.minSegmentShare <= 0.2))
    errors.minSegmentShare = "Enter a share from 0 to 20 %";
  if (
    !Number.isInteger(settings.minSegmentCustomers) ||
    settings.minSegmentCustomers < 0 ||
    settings.minSegmentCustomers > 100_000
  ) {
    errors.minSegmentCustomers = "Enter a whole number of customers from 0 to 100,000";
  }
  if (!(settings.sizeShiftShare >= 0.01 && settings.sizeShiftShare <= 10))
    errors.sizeShiftShare = "Enter a share from 1 to 1,000 %";
  if (
    settings.orderRetentionYears !== null &&
    !(
      Number.isInteger(settings.orderRetentionYears) &&
      settings.orderRetentionYears >= 1 &&
      settings.orderRetentionYears <= 50
    )
  )
    errors.orderRetentionYears = "Enter a whole number of years from 1 to 50, or leave empty to keep every order";
  if (settings.optOutTag !== "" && !OPT_OUT_TAG.test(settings.optOutTag))
    errors.optOutTag = "Use up to 40 characters without commas, or leave empty";
  return { settings, errors };
}

export async function saveSettings(shop: ShopContext, settings: ShopSettings): Promise<void> {
  const saved = await db.shop.update({
    where: { id: shop.id },
    data: { settings: { ...DEFAULT_SETTINGS, ...settings } as object },
  });
  // The daily recompute follows a changed hour or time zone now, not after the next sync.
  await scheduleDailyCompute(queues(), saved);
  // A changed opt-out tag re-evaluates who is opted out; the compute then removes or restores them.
  if ((await refreshProfilingOptOut(db, shop.id)).length > 0) await enqueueCompute(queues(), shop.id, "opt-out");
}

/** Starts a full re-sync unless one is already queued or running. */
export async function requestResync(shop: ShopContext): Promise<"started" | "already-running"> {
  const active = await db.run.findFirst({
    where: { shopId: shop.id, kind: "SYNC", status: { in: ["QUEUED", "RUNNING"] } },
  });
  if (active) return "already-running";
  await startSync(shop.id, "merchant");
  return "started";
}

/** Customers of the shop opted out of profiling (opt-out tag or Shopify's data sale opt-out). */
export async function optedOutCount(shop: ShopContext): Promise<number> {
  return db.customer.count({ where: { shopId: shop.id, profilingOptOut: true, deletedAt: null } });
}
