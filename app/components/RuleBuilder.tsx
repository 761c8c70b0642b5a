import { BlockStack, Button, InlineStack, Select, TextField } from "@shopify/polaris";
import { RULE_FIELDS, type RuleCondition } from "~/segmentation/rules";

// Edits a flat rule: conditions joined by "all" or "any". Each row picks a field, a comparison
// and a value; windowed fields also take a number of days.

export type Draft = { field: string; op: string; value: string; days: string };

const NUMERIC_OPS = [
  { value: ">", label: "is over" },
  { value: ">=", label: "is at least" },
  { value: "<", label: "is under" },
  { value: "<=", label: "is at most" },
  { value: "=", label: "is exactly" },
  { value: "!=", label: "is not" },
];

const CHOICE_OPS: Record<string, { value: string; label: string }[]> = {
  productType: [
    { value: "bought", label: "bought" },
    { value: "notBought", label: "never bought" },
  ],
  tag: [
    { value: "has", label: "has" },
    { value: "hasNot", label: "does not have" },
  ],
  segment: [
    { value: "in", label: "is in" },
    { value: "notIn", label: "is not in" },
  ],
};

export const FIELD_CHOICES: { value: string; label: string }[] = [
  ...Object.entries(RULE_FIELDS).map(([value, label]) => ({ value, label: label[0].toUpperCase() + label.slice(1) })),
  { value: "spend", label: "Spent in the last … days" },
  { value: "orderCount", label: "Orders in the last … days" },
  { value: "productType", label: "Product type" },
  { value: "tag", label: "Customer tag" },
  { value: "segment", label: "Segment" },
];

const opsFor = (field: string) => CHOICE_OPS[field] ?? NUMERIC_OPS;
const takesDays = (field: string) => field === "spend" || field === "orderCount" || field === "productType";
const isText = (field: string) => field in CHOICE_OPS;

export function draftFromCondition(c: RuleCondition): Draft {
  return { field: c.field, op: c.op, value: String(c.value), days: "days" in c && c.days !== undefined ? String(c.days) : "" };
}

/** The rule JSON for the drafts; numbers stay strings-as-typed until they parse, so validation can name them. */
export function ruleFromDrafts(join: "all" | "any", drafts: Draft[]): unknown {
  const conditions = drafts.map((d) => {
    const value = isText(d.field) ? d.value.trim() : d.value.trim() === "" ? null : Number(d.value);
    const condition: Record<string, unknown> = { field: d.field, op: d.op, value };
    if (d.days.trim() !== "") condition.days = Number(d.days);
    return condition;
  });
  return join === "all" ? { all: conditions } : { any: conditions };
}

export const EMPTY_DRAFT: Draft = { field: "clv", op: ">", value: "", days: "" };

export function RuleBuilder({ join, drafts, onChange }: { join: "all" | "any"; drafts: Draft[]; onChange: (join: "all" | "any", drafts: Draft[]) => void }) {
  const update = (index: number, patch: Partial<Draft>) => {
    const next = drafts.map((d, i) => {
      if (i !== index) return d;
      const merged = { ...d, ...patch };
      // A new field may not support the old comparison: fall back to its first one.
      if (patch.field && !opsFor(patch.field).some((o) => o.value === merged.op)) merged.op = opsFor(patch.field)[0].value;
      if (patch.field && !takesDays(patch.field)) merged.days = "";
      return merged;
    });
    onChange(join, next);
  };
  return (
    <BlockStack gap="300">
      <Select
        label="Customers must match"
        options={[
          { value: "all", label: "all of these conditions" },
          { value: "any", label: "any of these conditions" },
        ]}
        value={join}
        onChange={(value) => onChange(value === "any" ? "any" : "all", drafts)}
      />
      {drafts.map((draft, index) => (
        <InlineStack key={index} gap="200" blockAlign="end" wrap>
          <Select label={`Condition ${index + 1} field`} options={FIELD_CHOICES} value={draft.field} onChange={(field) => update(index, { field })} />
          <Select label="Comparison" options={opsFor(draft.field)} value={draft.op} onChange={(op) => update(index, { op })} />
          <TextField
            label="Value"
            value={draft.value}
            type={isText(draft.field) ? "text" : "number"}
            onChange={(value) => update(index, { value })}
            autoComplete="off"
          />
          {takesDays(draft.field) && (
            <TextField label="In the last (days)" type="number" value={draft.days} onChange={(days) => update(index, { days })} autoComplete="off" />
          )}
          <Button
            accessibilityLabel={`Remove condition ${index + 1}`}
            disabled={drafts.length === 1}
            onClick={() => onChange(join, drafts.filter((_, i) => i !== index))}
          >
            Remove
          </Button>
        </InlineStack>
      ))}
      <InlineStack>
        <Button onClick={() => onChange(join, [...drafts, EMPTY_DRAFT])} disabled={drafts.length >= 20}>
          Add condition
        </Button>
      </InlineStack>
    </BlockStack>
  );
}
