import { useState } from "react";
import type { ShopSettings } from "~/settings";

/** Field name → message from the server's validation. */
export type SettingsErrors = Record<string, string | undefined>;

type Flag = "pushTags" | "pushNativeSegments" | "pushMetafields" | "pushSmallSegments";

/** The form's values as typed, seeded from the stored settings (shares and rates as percentages). */
function initialValues(settings: ShopSettings) {
  return {
    tagPrefix: settings.tagPrefix,
    controlTagPrefix: settings.controlTagPrefix,
    pushTags: settings.pushTags,
    pushNativeSegments: settings.pushNativeSegments,
    pushMetafields: settings.pushMetafields,
    recomputeHour: String(settings.recomputeHour),
    timezone: settings.timezone ?? "",
    controlSharePercent: String(Math.round(settings.controlShare * 1000) / 10),
    kMin: String(settings.kMin),
    kMax: String(settings.kMax),
    clvHorizonMonths: String(settings.clvHorizonMonths),
    monthlyDiscountPercent: String(Math.round(settings.monthlyDiscountRate * 10000) / 100),
    predictionHorizonDays: String(settings.predictionHorizonDays),
    minSegmentPercent: String(Math.round(settings.minSegmentShare * 1000) / 10),
    minSegmentCustomers: String(settings.minSegmentCustomers),
    pushSmallSegments: settings.pushSmallSegments,
    sizeShiftPercent: String(Math.round(settings.sizeShiftShare * 1000) / 10),
    orderRetentionYears: settings.orderRetentionYears === null ? "" : String(settings.orderRetentionYears),
    optOutTag: settings.optOutTag,
  };
}

export type SettingsValues = ReturnType<typeof initialValues>;

/** The settings form's controlled fields, with the props each Polaris input takes. */
export function useSettingsFields(settings: ShopSettings) {
  const [values, setValues] = useState(() => initialValues(settings));
  const setValue = <Name extends keyof SettingsValues>(name: Name, value: SettingsValues[Name]) =>
    setValues((v) => ({ ...v, [name]: value }));
  /** Props of a TextField named after its value. */
  const textField = (name: keyof SettingsValues) => ({
    name,
    value: String(values[name]),
    onChange: (value: string) => setValues((v) => ({ ...v, [name]: value })),
    autoComplete: "off",
  });
  /** Props of a Checkbox for one of the flags. */
  const checkbox = (name: Flag) => ({
    checked: values[name],
    onChange: (checked: boolean) => setValue(name, checked),
  });
  return { values, setValue, textField, checkbox };
}

export type SettingsFields = ReturnType<typeof useSettingsFields>;
