import { BlockStack, Button, InlineStack, Select, TextField } from "@shopify/polaris";
import { FIELD_TABLE, OPERATORS, fieldSpec, isConditionField } from "~/segmentation/rule-fields";
import type { Rule, RuleCondition } from "~/segmentation/rules";

// Edits a flat rule: conditions joined by "all" or "any". Each row picks a field, a comparison
// and a value; windowed fields also take a number of days, and fields about a category (orders
// with a product type or vendor) its name.

export type Draft = { field: string; op: string; value: string; days: string; name?: string };

// Fields, their comparisons and whether they take days: all from the rule language's table.
export const FIELD_CHOICES: { value: string; label: string }[] = Object.entries(FIELD_TABLE).map(
  ([value, { label }]) => ({ value, label }),
);

const spec = (field: string) => (isConditionField(field) ? fieldSpec(field) : fieldSpec("clv"));
const opsFor = (field: string) => spec(field).ops.map((op) => ({ value: op, label: OPERATORS[op].label }));
const takesDays = (field: string) => spec(field).days !== "none";
const isFlag = (field: string) => spec(field).value === "flag";
const isText = (field: string) => spec(field).value !== "number" && !isFlag(field);
const nameOf = (field: string) => spec(field).name;

function draftFromCondition(c: RuleCondition): Draft {
  return {
    field: c.field,
    op: c.op,
    value: String(c.value),
    days: "days" in c && c.days !== undefined ? String(c.days) : "",
    ...("name" in c ? { name: c.name } : {}),
  };
}

/** The rule JSON for the drafts; numbers stay strings-as-typed until they parse, so validation can name them. */
export function ruleFromDrafts(join: "all" | "any", drafts: Draft[]): unknown {
  const conditions = drafts.map((d) => {
    const value = isFlag(d.field)
      ? true
      : isText(d.field)
        ? d.value.trim()
        : d.value.trim() === ""
          ? null
          : Number(d.value);
    const condition: Record<string, unknown> = { field: d.field, op: d.op, value };
    if (d.days.trim() !== "") condition.days = Number(d.days);
    if (nameOf(d.field)) condition.name = (d.name ?? "").trim();
    return condition;
  });
  return join === "all" ? { all: conditions } : { any: conditions };
}

const EMPTY_DRAFT: Draft = { field: "clv", op: ">", value: "", days: "" };

/** The builder's rows for a stored rule (one empty row for an empty rule). */
export function draftsFromRule(rule: Rule): { join: "all" | "any"; drafts: Draft[] } {
  const join = "any" in rule ? "any" : "all";
  const children = "any" in rule ? rule.any : rule.all;
  // The builder edits flat rules; nested groups (from the API) are kept out of its rows.
  const flat = children.filter((c): c is RuleCondition => !("all" in c || "any" in c));
  return { join, drafts: flat.length > 0 ? flat.map(draftFromCondition) : [EMPTY_DRAFT] };
}

export function RuleBuilder({
  join,
  drafts,
  onChange,
}: {
  join: "all" | "any";
  drafts: Draft[];
  onChange: (join: "all" | "any", drafts: Draft[]) => void;
}) {
  const update = (index: number, patch: Partial<Draft>) => {
    const next = drafts.map((d, i) => {
      if (i !== index) return d;
      const merged = { ...d, ...patch };
      // A new field may not support the old comparison: fall back to its first one.
      if (patch.field && !opsFor(patch.field).some((o) => o.value === merged.op))
        merged.op = opsFor(patch.field)[0].value;
      if (patch.field && !takesDays(patch.field)) merged.days = "";
      if (patch.field && !nameOf(patch.field)) delete merged.name;
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
          <Select
            label={`Condition ${index + 1} field`}
            options={FIELD_CHOICES}
            value={draft.field}
            onChange={(field) => update(index, { field })}
          />
          {nameOf(draft.field) && (
            <TextField
              label={nameOf(draft.field)!.label}
              value={draft.name ?? ""}
              onChange={(name) => update(index, { name })}
              autoComplete="off"
            />
          )}
          <Select
            label="Comparison"
            options={opsFor(draft.field)}
            value={draft.op}
            onChange={(op) => update(index, { op })}
          />
          {!isFlag(draft.field) && (
            <TextField
              label="Value"
              value={draft.value}
              type={isText(draft.field) ? "text" : "number"}
              onChange={(value) => update(index, { value })}
              autoComplete="off"
            />
          )}
          {takesDays(draft.field) && (
            <TextField
              label="In the last (days)"
              type="number"
              value={draft.days}
              onChange={(days) => update(index, { days })}
              autoComplete="off"
            />
          )}
          <Button
            accessibilityLabel={`Remove condition ${index + 1}`}
            disabled={drafts.length === 1}
            onClick={() =>
              onChange(
                join,
                drafts.filter((_, i) => i !== index),
              )
            }
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
