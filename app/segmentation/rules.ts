// Merchant-defined rule segments: stored as JSON, validated here, evaluated over columns.
// "Spent over 500 in the last 90 days and P(alive) < 0.5" is
//   { all: [ { field: "spend", op: ">", value: 500, days: 90 }, { field: "pAlive", op: "<", value: 0.5 } ] }
// Pure: the caller supplies the columns (RuleContext), so this knows nothing of storage.

export type NumericOp = ">" | ">=" | "<" | "<=" | "=" | "!=";

/** Per-customer numbers a rule can compare, with the words used to describe them. */
export const RULE_FIELDS = {
  orders: "number of orders",
  totalSpend: "total spent",
  averageOrderValue: "average order value",
  recencyDays: "days since last order",
  tenureDays: "days since first order",
  interPurchaseDays: "average days between orders",
  pAlive: "probability still active",
  churnRisk: "churn risk",
  expectedOrders: "expected orders (next 90 days)",
  expectedOrderValue: "expected order value",
  clv: "predicted lifetime value",
  rfmRecency: "RFM recency score",
  rfmFrequency: "RFM frequency score",
  rfmMonetary: "RFM monetary score",
} as const;

export type RuleField = keyof typeof RULE_FIELDS;

export type RuleCondition =
  | { field: RuleField; op: NumericOp; value: number }
  /** Spend or orders within the last `days` days. */
  | { field: "spend" | "orderCount"; op: NumericOp; value: number; days: number }
  | { field: "productType"; op: "bought" | "notBought"; value: string; days?: number }
  | { field: "tag"; op: "has" | "hasNot"; value: string }
  | { field: "segment"; op: "in" | "notIn"; value: string };

export type Rule = { all: RuleNode[] } | { any: RuleNode[] };
export type RuleNode = Rule | RuleCondition;

export interface RuleContext {
  count: number;
  feature(field: RuleField): Float64Array;
  windowed(field: "spend" | "orderCount", days: number): Float64Array;
  boughtProductType(productType: string, days: number | undefined): Uint8Array;
  hasTag(tag: string): Uint8Array;
  inSegment(key: string): Uint8Array;
}

export class RuleError extends Error {
  override name = "RuleError";
}

const NUMERIC_OPS: readonly NumericOp[] = [">", ">=", "<", "<=", "=", "!="];
const MAX_DEPTH = 4;
const MAX_CONDITIONS = 20;

/** Parses stored or submitted JSON into a Rule; throws RuleError listing every problem. */
export function parseRule(input: unknown): Rule {
  const errors = validateRule(input);
  if (errors.length > 0) throw new RuleError(errors.join("; "));
  return input as Rule;
}

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
      else if (!Array.isArray(children) || children.length === 0) errors.push(`${path}: a group needs at least one condition`);
      else children.forEach((child, i) => visit(child, `${path}.${"all" in group ? "all" : "any"}[${i}]`, depth + 1));
      return;
    }
    conditions++;
    const c = node as { field?: unknown; op?: unknown; value?: unknown; days?: unknown };
    const where = `${path} (${String(c.field)})`;
    if (c.days !== undefined && !(Number.isInteger(c.days) && (c.days as number) > 0 && (c.days as number) <= 3650)) {
      errors.push(`${where}: days must be a whole number from 1 to 3650`);
    }
    if (typeof c.field === "string" && c.field in RULE_FIELDS) {
      if (!NUMERIC_OPS.includes(c.op as NumericOp)) errors.push(`${where}: comparison must be one of ${NUMERIC_OPS.join(" ")}`);
      if (typeof c.value !== "number" || !Number.isFinite(c.value)) errors.push(`${where}: value must be a number`);
      return;
    }
    switch (c.field) {
      case "spend":
      case "orderCount":
        if (!NUMERIC_OPS.includes(c.op as NumericOp)) errors.push(`${where}: comparison must be one of ${NUMERIC_OPS.join(" ")}`);
        if (typeof c.value !== "number" || !Number.isFinite(c.value)) errors.push(`${where}: value must be a number`);
        if (c.days === undefined) errors.push(`${where}: say over how many days (days)`);
        return;
      case "productType":
        if (c.op !== "bought" && c.op !== "notBought") errors.push(`${where}: use bought or notBought`);
        if (typeof c.value !== "string" || !c.value.trim()) errors.push(`${where}: name a product type`);
        return;
      case "tag":
        if (c.op !== "has" && c.op !== "hasNot") errors.push(`${where}: use has or hasNot`);
        if (typeof c.value !== "string" || !c.value.trim()) errors.push(`${where}: name a tag`);
        return;
      case "segment":
        if (c.op !== "in" && c.op !== "notIn") errors.push(`${where}: use in or notIn`);
        if (typeof c.value !== "string" || !/^[a-z0-9-]+$/.test(c.value)) errors.push(`${where}: name a segment key`);
        return;
      default:
        errors.push(`${path}: unknown field ${JSON.stringify(c.field)}`);
    }
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
  switch (node.field) {
    case "productType": {
      const mask = context.boughtProductType(node.value, node.days);
      return node.op === "bought" ? mask : invert(mask);
    }
    case "tag": {
      const mask = context.hasTag(node.value);
      return node.op === "has" ? mask : invert(mask);
    }
    case "segment": {
      const mask = context.inSegment(node.value);
      return node.op === "in" ? mask : invert(mask);
    }
    case "spend":
    case "orderCount":
      return compare(context.windowed(node.field, node.days), node.op, node.value);
    default:
      return compare(context.feature(node.field), node.op, node.value);
  }
}

function compare(column: Float64Array, op: NumericOp, value: number): Uint8Array {
  const out = new Uint8Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    out[i] = Number(
      op === ">" ? v > value : op === ">=" ? v >= value : op === "<" ? v < value : op === "<=" ? v <= value : op === "=" ? v === value : v !== value,
    );
  }
  return out;
}

function invert(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ^ 1;
  return out;
}

const OP_WORDS: Record<NumericOp, string> = { ">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "exactly", "!=": "not" };

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
  switch (rule.field) {
    case "spend":
      return `spent ${OP_WORDS[rule.op]} ${rule.value} in the last ${rule.days} days`;
    case "orderCount":
      return `ordered ${OP_WORDS[rule.op]} ${rule.value} times in the last ${rule.days} days`;
    case "productType":
      return `${rule.op === "bought" ? "bought" : "never bought"} ${rule.value}${rule.days ? ` in the last ${rule.days} days` : ""}`;
    case "tag":
      return `${rule.op === "has" ? "tagged" : "not tagged"} ${rule.value}`;
    case "segment":
      return `${rule.op === "in" ? "in" : "not in"} segment ${rule.value}`;
    default:
      return `${RULE_FIELDS[rule.field]} ${OP_WORDS[rule.op]} ${rule.value}`;
  }
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
