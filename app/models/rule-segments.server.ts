import { appNow } from "~/clock.server";
import { Prisma } from "~/generated/prisma/client";
import { referencedSegments, ruleOf, ruleProblem, validateRule, type NumericOp, type Rule, type RuleField, type RuleNode } from "~/segmentation/rules";
import { db, notFound, type ShopContext } from "./shop.server";

// Rule segments in the admin: load, save, and a live count preview. The preview translates the
// rule to one SQL COUNT over the latest scores, so it answers in one query at any shop size;
// the compute run remains the authority on membership.

const SQL_OPS: Record<NumericOp, Prisma.Sql> = {
  ">": Prisma.sql`>`,
  ">=": Prisma.sql`>=`,
  "<": Prisma.sql`<`,
  "<=": Prisma.sql`<=`,
  "=": Prisma.sql`=`,
  "!=": Prisma.sql`<>`,
};

const DAY_SECONDS = 86_400;

/** Each rule field as an expression over CustomerScore s (as of `now`). */
function fieldSql(field: RuleField, now: Date): Prisma.Sql {
  switch (field) {
    case "orders":
      return Prisma.sql`s."orderCount"`;
    case "totalSpend":
      return Prisma.sql`s."totalSpent"::float8`;
    case "averageOrderValue":
      return Prisma.sql`(s."totalSpent"::float8 / NULLIF(s."orderCount", 0))`;
    case "recencyDays":
      return Prisma.sql`s."recencyDays"`;
    case "tenureDays":
      return Prisma.sql`(EXTRACT(EPOCH FROM (${now}::timestamp - s."firstOrderAt")) / ${DAY_SECONDS})`;
    case "interPurchaseDays":
      return Prisma.sql`s."interPurchaseDays"`;
    case "pAlive":
      return Prisma.sql`s."pAlive"`;
    case "churnRisk":
      return Prisma.sql`s."churnRisk"`;
    case "expectedOrders":
      return Prisma.sql`s."expectedOrders"`;
    case "expectedOrderValue":
      return Prisma.sql`s."expectedAov"`;
    case "clv":
      return Prisma.sql`s."clv"`;
    case "rfmRecency":
      return Prisma.sql`s."r"`;
    case "rfmFrequency":
      return Prisma.sql`s."f"`;
    case "rfmMonetary":
      return Prisma.sql`s."m"`;
  }
}

const liveOrders = Prisma.sql`o."shopId" = s."shopId" AND o."customerShopifyId" = c."shopifyId"
  AND NOT o."test" AND o."deletedAt" IS NULL AND o."cancelledAt" IS NULL`;

export function ruleSql(node: RuleNode, now: Date): Prisma.Sql {
  if ("all" in node) return Prisma.sql`(${Prisma.join(node.all.map((child) => ruleSql(child, now)), " AND ")})`;
  if ("any" in node) return Prisma.sql`(${Prisma.join(node.any.map((child) => ruleSql(child, now)), " OR ")})`;
  switch (node.field) {
    case "spend":
    case "orderCount": {
      const since = new Date(now.getTime() - node.days * DAY_SECONDS * 1000);
      const total = node.field === "spend" ? Prisma.sql`sum(GREATEST(0, o."totalPrice" - o."totalRefunded"))` : Prisma.sql`count(*)`;
      return Prisma.sql`(SELECT COALESCE(${total}, 0)::float8 FROM "Order" o WHERE ${liveOrders} AND o."processedAt" >= ${since}) ${SQL_OPS[node.op]} ${node.value}`;
    }
    case "productType": {
      const since = node.days ? new Date(now.getTime() - node.days * DAY_SECONDS * 1000) : null;
      const bought = Prisma.sql`EXISTS (SELECT 1 FROM "Order" o CROSS JOIN LATERAL jsonb_array_elements(o."lineItems") item
        WHERE ${liveOrders} AND lower(item->>'productType') = ${node.value.toLowerCase()}
          AND (${since}::timestamp IS NULL OR o."processedAt" >= ${since}::timestamp))`;
      return node.op === "bought" ? bought : Prisma.sql`NOT ${bought}`;
    }
    case "tag": {
      const has = Prisma.sql`EXISTS (SELECT 1 FROM unnest(c."tags") t WHERE lower(t) = ${node.value.toLowerCase()})`;
      return node.op === "has" ? has : Prisma.sql`NOT ${has}`;
    }
    case "segment": {
      const member = Prisma.sql`EXISTS (SELECT 1 FROM "Membership" mm WHERE mm."shopId" = s."shopId" AND mm."customerId" = s."customerId" AND mm."segmentKey" = ${node.value})`;
      return node.op === "in" ? member : Prisma.sql`NOT ${member}`;
    }
    default:
      // NULL (no prediction) never matches, as in the engine where it is NaN.
      return Prisma.sql`COALESCE(${fieldSql(node.field, now)} ${SQL_OPS[node.op]} ${node.value}, false)`;
  }
}

/** How many scored customers the rule would select now. */
export async function previewRuleCount(shop: ShopContext, rule: Rule, now = appNow()): Promise<{ matches: number; scored: number }> {
  const rows = await db.$queryRaw<{ matches: bigint; scored: bigint }[]>`
    SELECT count(*) FILTER (WHERE ${ruleSql(rule, now)}) AS "matches", count(*) AS "scored"
    FROM "CustomerScore" s
    JOIN "Customer" c ON c."id" = s."customerId"
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
  return errors.concat(validateRule(form.rule));
}

export async function loadRuleSegment(shop: ShopContext, key: string) {
  const segment = await db.segment.findUnique({ where: { shopId_key: { shopId: shop.id, key } } });
  if (!segment || segment.kind !== "RULE") throw notFound("Rule segment not found");
  return { key: segment.key, name: segment.name, rule: ruleOf(segment.definition) as Rule, error: ruleProblem(segment.definition) };
}

/**
 * Deletes a rule segment with its memberships and history. What Shopify carries for it (its
 * native segment, tags, recommendations) stays recorded in the Pushed* tables, so the next
 * push removes it there, as for a cluster the compute dropped. Refused while another rule
 * selects its members.
 */
export async function deleteRuleSegment(shop: ShopContext, key: string): Promise<{ name: string } | { errors: string[] }> {
  const segment = await db.segment.findUnique({ where: { shopId_key: { shopId: shop.id, key } } });
  if (!segment || segment.kind !== "RULE") throw notFound("Rule segment not found");
  const others = await db.segment.findMany({ where: { shopId: shop.id, kind: "RULE", key: { not: key } }, orderBy: { name: "asc" } });
  const users = others.filter((other) => referencedSegments(ruleOf(other.definition)).includes(key));
  if (users.length) return { errors: users.map((user) => `“${user.name}” selects members of this segment: change or delete that rule first`) };
  const where = { shopId: shop.id, segmentKey: key };
  await db.$transaction([
    db.membership.deleteMany({ where }),
    db.membershipEvent.deleteMany({ where }),
    db.segmentSnapshot.deleteMany({ where }),
    db.segment.delete({ where: { id: segment.id } }),
  ]);
  return { name: segment.name };
}

/** Creates a rule segment (new key from its name) or updates the one at `key`. */
export async function saveRuleSegment(shop: ShopContext, key: string | null, name: string, rule: Rule, description: string) {
  if (key) {
    const { count } = await db.segment.updateMany({
      where: { shopId: shop.id, key, kind: "RULE" },
      data: { name, description, definition: { rule } as object },
    });
    if (count === 0) throw notFound("Rule segment not found");
    return key;
  }
  const base = ruleKeyFor(name);
  const taken = await db.segment.findMany({ where: { shopId: shop.id, key: { startsWith: base } }, select: { key: true } });
  const used = new Set(taken.map((t) => t.key));
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) candidate = `${base}-${n}`;
  await db.segment.create({ data: { shopId: shop.id, key: candidate, kind: "RULE", name, description, definition: { rule } as object } });
  return candidate;
}
