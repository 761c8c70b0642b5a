import { appNow } from "~/clock.server";
import { Prisma } from "~/generated/prisma/client";
import { referencedSegments, ruleOf, ruleProblem, validateRule, type Rule, type RuleNode } from "~/segmentation/rules";
import { ruleSql as compileRuleSql } from "~/segmentation/rule-sql";
import { reservedNameProblem } from "~/segmentation/segment-names";
import { ruleSqlEnv } from "~/privacy/personal-data.server";
import { db, notFound, type ShopContext } from "./admin-shop.server";

// Rule segments in the admin: load, save, and a live count preview. The preview translates the
// rule to one SQL COUNT over the latest scores, so it answers in one query at any shop size;
// the compute run remains the authority on membership.

/** The rule as SQL over CustomerScore s JOIN Customer c of one shop, compiled by the rule language's owner. */
export function ruleSql(node: RuleNode, shopId: number, now: Date): Prisma.Sql {
  const compiled = compileRuleSql(node, ruleSqlEnv(shopId, now));
  return new Prisma.Sql(compiled.strings, compiled.values);
}

/** How many scored customers the rule would select now. */
export async function previewRuleCount(
  shop: ShopContext,
  rule: Rule,
  now = appNow(),
): Promise<{ matches: number; scored: number }> {
  const rows = await db.$queryRaw<{ matches: bigint; scored: bigint }[]>`
    SELECT count(*) FILTER (WHERE ${ruleSql(rule, shop.id, now)}) AS "matches", count(*) AS "scored"
    FROM "CustomerScore" s
    JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
    WHERE s."shopId" = ${shop.id}`;
  return { matches: Number(rows[0]?.matches ?? 0), scored: Number(rows[0]?.scored ?? 0) };
}

export function ruleKeyFor(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `rule-${slug || "segment"}`;
}

export interface RuleForm {
  name: string;
  rule: unknown;
}

export function validateRuleForm(form: RuleForm): string[] {
  const errors: string[] = [];
  if (!form.name.trim()) errors.push("Give the segment a name");
  else if (form.name.length > 80) errors.push("Keep the name under 80 characters");
  else {
    const reserved = reservedNameProblem(form.name);
    if (reserved) errors.push(reserved);
  }
  return errors.concat(validateRule(form.rule));
}

export async function loadRuleSegment(shop: ShopContext, key: string) {
  const segment = await db.segment.findUnique({ where: { shopId_key: { shopId: shop.id, key } } });
  if (!segment || segment.kind !== "RULE") throw notFound("Rule segment not found");
  return {
    key: segment.key,
    name: segment.name,
    rule: ruleOf(segment.definition) as Rule,
    error: ruleProblem(segment.definition),
  };
}

/**
 * Deletes a rule segment with its memberships and history. What Shopify carries for it (its
 * native segment, tags, recommendations) stays recorded in the Pushed* tables, so the next
 * push removes it there, as for a cluster the compute dropped. Refused while another rule
 * selects its members.
 */
export async function deleteRuleSegment(
  shop: ShopContext,
  key: string,
): Promise<{ name: string } | { errors: string[] }> {
  const segment = await db.segment.findUnique({ where: { shopId_key: { shopId: shop.id, key } } });
  if (!segment || segment.kind !== "RULE") throw notFound("Rule segment not found");
  const others = await db.segment.findMany({
    where: { shopId: shop.id, kind: "RULE", key: { not: key } },
    orderBy: { name: "asc" },
  });
  const users = others.filter((other) => referencedSegments(ruleOf(other.definition)).includes(key));
  if (users.length)
    return {
      errors: users.map((user) => `“${user.name}” selects members of this segment: change or delete that rule first`),
    };
  const where = { shopId: shop.id, segmentKey: key };
  await db.$transaction([
    db.membership.deleteMany({ where }),
    db.membershipEvent.deleteMany({ where }),
    db.segmentSnapshot.deleteMany({ where }),
    db.segment.delete({ where: { shopId_id: { shopId: shop.id, id: segment.id } } }),
  ]);
  return { name: segment.name };
}

/** Creates a rule segment (new key from its name) or updates the one at `key`. */
export async function saveRuleSegment(
  shop: ShopContext,
  key: string | null,
  name: string,
  rule: Rule,
  description: string,
) {
  if (key) {
    const { count } = await db.segment.updateMany({
      where: { shopId: shop.id, key, kind: "RULE" },
      data: { name, description, definition: { rule } as object },
    });
    if (count === 0) throw notFound("Rule segment not found");
    return key;
  }
  const base = ruleKeyFor(name);
  const taken = await db.segment.findMany({
    where: { shopId: shop.id, key: { startsWith: base } },
    select: { key: true },
  });
  const used = new Set(taken.map((t) => t.key));
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) candidate = `${base}-${n}`;
  await db.segment.create({
    data: { shopId: shop.id, key: candidate, kind: "RULE", name, description, definition: { rule } as object },
  });
  return candidate;
}
