import { scheduleDailyCompute } from "~/jobs/compute.server";
import { queues } from "~/queues.server";
import { startSync } from "~/shops.server";
import { DEFAULT_SETTINGS, type ShopSettings } from "~/settings";
import { db, type ShopContext } from "./shop.server";

// The settings form: parsed and validated field by field, so the page can show each error
// beside its field. Percentages are entered as percent and stored as fractions.

export type SettingsErrors = Partial<Record<keyof ShopSettings, string>>;

const TAG_PREFIX = /^[A-Za-z0-9_:\-.]{1,20}$/;

export function validTimezone(value: string): boolean {
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
  };

  for (const field of ["tagPrefix", "controlTagPrefix"] as const) {
    if (!TAG_PREFIX.test(settings[field])) errors[field] = "Use 1–20 letters, digits or _ : - . (no spaces or commas)";
  }
  if (!errors.controlTagPrefix && settings.controlTagPrefix.toLowerCase() === settings.tagPrefix.toLowerCase()) {
    errors.controlTagPrefix = "Must differ from the segment tag prefix";
  } else if (!errors.controlTagPrefix && settings.controlTagPrefix.toLowerCase().startsWith(settings.tagPrefix.toLowerCase())) {
    errors.controlTagPrefix = "Must not start with the segment tag prefix, or control tags would look like segment tags";
  }
  if (!Number.isInteger(settings.recomputeHour) || settings.recomputeHour < 0 || settings.recomputeHour > 23) {
    errors.recomputeHour = "Choose an hour from 0 to 23";
  }
  if (settings.timezone && !validTimezone(settings.timezone)) errors.timezone = "Unknown time zone (use a name like Europe/Paris)";
  if (!(settings.controlShare >= 0 && settings.controlShare <= 0.5)) errors.controlShare = "Enter a share from 0 to 50 %";
  if (!Number.isInteger(settings.kMin) || settings.kMin < 2 || settings.kMin > 12) errors.kMin = "Enter a whole number from 2 to 12";
  if (!Number.isInteger(settings.kMax) || settings.kMax < 2 || settings.kMax > 12) errors.kMax = "Enter a whole number from 2 to 12";
  else if (!errors.kMin && settings.kMax < settings.kMin) errors.kMax = "Must be at least the minimum number of clusters";
  if (!Number.isInteger(settings.clvHorizonMonths) || settings.clvHorizonMonths < 1 || settings.clvHorizonMonths > 60) {
    errors.clvHorizonMonths = "Enter a whole number of months from 1 to 60";
  }
  if (!(settings.monthlyDiscountRate >= 0 && settings.monthlyDiscountRate <= 0.1)) {
    errors.monthlyDiscountRate = "Enter a monthly rate from 0 to 10 %";
  }
  return { settings, errors };
}

export async function saveSettings(shop: ShopContext, settings: ShopSettings): Promise<void> {
  const saved = await db.shop.update({ where: { id: shop.id }, data: { settings: { ...DEFAULT_SETTINGS, ...settings } as object } });
  // The daily recompute follows a changed hour or time zone now, not after the next sync.
  await scheduleDailyCompute(queues(), saved);
}

/** Starts a full re-sync unless one is already queued or running. */
export async function requestResync(shop: ShopContext): Promise<"started" | "already-running"> {
  const active = await db.run.findFirst({ where: { shopId: shop.id, kind: "SYNC", status: { in: ["QUEUED", "RUNNING"] } } });
  if (active) return "already-running";
  await startSync(shop.id, "merchant");
  return "started";
}
