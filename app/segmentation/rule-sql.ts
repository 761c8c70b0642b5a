import { boughtProductTypeSql, fieldSpec, hasTagSql, type SqlEnv } from "./rule-fields";
import type { RuleCondition, RuleNode } from "./rules";
import { joinSql, sql, type SqlFragment } from "./sql-fragment";

// Rules compiled to SQL, from the same field table the TypeScript evaluator reads, so the
// live preview counts what the compute will select. Pure: the output is plain data, which the
// server side hands to its database client.

/** A boolean SQL expression over CustomerScore s JOIN Customer c: whether the rule selects the row. */
export function ruleSql(node: RuleNode, env: SqlEnv): SqlFragment {
  if ("all" in node)
    return sql`(${joinSql(
      node.all.map((child) => ruleSql(child, env)),
      " AND ",
    )})`;
  if ("any" in node)
    return sql`(${joinSql(
      node.any.map((child) => ruleSql(child, env)),
      " OR ",
    )})`;
  return fieldSpec(node.field).sql(node, env);
}

/**
 * The ids of a shop's customers for whom a product-type or tag condition's positive form holds
 * (what the compute loads up front, then reads synchronously while it evaluates).
 */
export function customersMatchingSql(
  shopId: number,
  condition: Extract<RuleCondition, { field: "productType" }> | Extract<RuleCondition, { field: "tag" }>,
  env: SqlEnv,
): SqlFragment {
  const holds =
    condition.field === "productType"
      ? boughtProductTypeSql(condition.value, condition.days, env)
      : hasTagSql(condition.value);
  return sql`SELECT c."id" FROM "Customer" c WHERE c."shopId" = ${shopId} AND ${holds}`;
}
