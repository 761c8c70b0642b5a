// Merchant-defined rule segments: stored as JSON, validated here, evaluated over columns.
// "Spent over 500 in the last 90 days and P(alive) < 0.5" is
//   { all: [ { field: "spend", op: ">", value: 500, days: 90 }, { field: "pAlive", op: "<", value: 0.5 } ] }
// Pure: the caller supplies the columns (RuleContext), so this knows nothing of storage. What
// each field means, in TypeScript and in SQL, is the field table's (rule-fields.ts).

import { fieldSpec, isConditionField } from "./rule-fields";

export type { NumericOp, Rule, RuleCondition, RuleContext, RuleField, RuleNode } from "./rule-types";
import type { Rule, RuleContext, RuleNode } from "./rule-types";

export class RuleError extends Error {
  override name = "RuleError";
}

const MAX_DEPTH = 4;
const MAX_CONDITIONS = 20;

/** Parses stored or submitted JSON into a Rule; throws RuleError listing every problem. */
export function parseRule(input: unknown): Rule {
  const errors = validateRule(input);
  if (errors.length > 0) throw new RuleError(errors.join("; "));
  return input as Rule;
}

const VALUE_CHECKS: Record<"number" | "text" | "segmentKey" | "flag", (value: unknown) => boolean> = {
  flag: (value) => value === true,
  number: (value) => typeof value === "number" && Number.isFinite(value),
  text: (value) => typeof value === "string" && value.trim() !== "",
  segmentKey: (value) => typeof value === "string" && /^[a-z0-9-]+$/.test(value),
};

/** Every problem with a rule, in words a merchant can act on (empty when valid). */
export function validateRule(input: unknown): string[] {
  const errors: string[] = [];
  let conditions = 0;
  const visit = (node: unknown, path: string, depth: number) => {
    if (!node || typeof node !== "object") {
      errors.push(`${path}: expected a condition or a group`);
      return;
    }
    const group = node as { all?: unknown; any?: unknown };
    if ("all" in group || "any" in group) {
      const children = group.all ?? group.any;
      if (depth >= MAX_DEPTH) errors.push(`${path}: groups may nest at most ${MAX_DEPTH} deep`);
      else if (!Array.isArray(children) || children.length === 0)
        errors.push(`${path}: a group needs at least one condition`);
      else children.forEach((child, i) => visit(child, `${path}.${"all" in group ? "all" : "any"}[${i}]`, depth + 1));
      return;
    }
    conditions++;
    const c = node as { field?: unknown; op?: unknown; value?: unknown; days?: unknown; name?: unknown };
    const where = `${path} (${String(c.field)})`;
    if (c.days !== undefined && !(Number.isInteger(c.days) && (c.days as number) > 0 && (c.days as number) <= 3650)) {
      errors.push(`${where}: days must be a whole number from 1 to 3650`);
    }
    if (!isConditionField(c.field)) {
      errors.push(`${path}: unknown field ${JSON.stringify(c.field)}`);
      return;
    }
    const spec = fieldSpec(c.field);
    if (!(spec.ops as readonly unknown[]).includes(c.op)) {
      errors.push(
        spec.kind !== "choice"
          ? `${where}: comparison must be one of ${spec.ops.join(" ")}`
          : `${where}: use ${spec.ops.join(" or ")}`,
      );
    }
    if (!VALUE_CHECKS[spec.value](c.value)) errors.push(`${where}: ${spec.valueProblem}`);
    if (spec.days === "required" && c.days === undefined) errors.push(`${where}: say over how many days (days)`);
    if (spec.name && !VALUE_CHECKS.text(c.name)) errors.push(`${where}: ${spec.name.problem}`);
  };
  visit(input, "rule", 0);
  if (conditions > MAX_CONDITIONS) errors.push(`rule: at most ${MAX_CONDITIONS} conditions`);
  return errors;
}

/** 1 for every customer the rule selects. */
export function evaluateRule(rule: Rule, context: RuleContext): Uint8Array {
  return evaluateNode(rule, context);
}

function evaluateNode(node: RuleNode, context: RuleContext): Uint8Array {
  if ("all" in node || "any" in node) {
    const isAll = "all" in node;
    const children = isAll ? node.all : node.any;
    const result = new Uint8Array(context.count).fill(isAll ? 1 : 0);
    for (const child of children) {
      const mask = evaluateNode(child, context);
      for (let i = 0; i < result.length; i++) result[i] = isAll ? result[i] & mask[i] : result[i] | mask[i];
    }
    return result;
  }
  return fieldSpec(node.field).evaluate(node, context);
}

/** The rule in plain words, e.g. "spent over 500 in the last 90 days and probability still active under 0.5". */
export function describeRule(rule: RuleNode): string {
  if ("all" in rule || "any" in rule) {
    const isAll = "all" in rule;
    const parts = (isAll ? rule.all : rule.any).map((child) => {
      const text = describeRule(child);
      return "all" in child || "any" in child ? `(${text})` : text;
    });
    return parts.join(isAll ? " and " : " or ");
  }
  return fieldSpec(rule.field).describe(rule);
}

/** A rule segment's stored definition: the rule plus what the last run reported about it. */
export interface RuleDefinition {
  rule: unknown;
  error?: string | null;
}

/** The rule inside a stored Segment.definition (undefined when there is none). */
export function ruleOf(definition: unknown): unknown {
  return definition && typeof definition === "object" ? (definition as Partial<RuleDefinition>).rule : undefined;
}

/**
 * Why a stored rule segment can't be computed, in the merchant's words: what the last run
 * recorded, or else what the next one will find; null when the rule is fine.
 */
export function ruleProblem(definition: unknown): string | null {
  const recorded = definition && typeof definition === "object" ? (definition as Partial<RuleDefinition>).error : null;
  if (typeof recorded === "string" && recorded) return recorded;
  const problems = validateRule(ruleOf(definition));
  return problems.length ? problems.join("; ") : null;
}

/** The segment keys a rule selects by membership (`segment in/notIn`), at any depth. */
export function referencedSegments(rule: unknown): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    for (const group of [n.all, n.any]) if (Array.isArray(group)) group.forEach(visit);
    if (n.field === "segment" && typeof n.value === "string") keys.add(n.value);
  };
  visit(rule);
  return [...keys];
}

/**
 * The order to evaluate rule segments in, each after the rule segments it selects members of;
 * rules that select each other's members (a cycle) can't be computed and come back apart, each
 * with the cycle it is in.
 */
export function ruleEvaluationOrder(rules: readonly { key: string; rule: Rule }[]): {
  order: string[];
  cycles: Map<string, string[]>;
} {
  const byKey = new Map(rules.map((r) => [r.key, r.rule]));
  const order: string[] = [];
  const cycles = new Map<string, string[]>();
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (key: string) => {
    if (state.get(key) === "done") return;
    if (state.get(key) === "visiting") {
      const cycle = [...path.slice(path.indexOf(key)), key];
      for (const member of cycle) if (!cycles.has(member)) cycles.set(member, cycle);
      return;
    }
    state.set(key, "visiting");
    path.push(key);
    for (const ref of referencedSegments(byKey.get(key))) if (byKey.has(ref)) visit(ref);
    path.pop();
    state.set(key, "done");
    if (!cycles.has(key)) order.push(key);
  };
  for (const { key } of rules) visit(key);
  return { order, cycles };
}
