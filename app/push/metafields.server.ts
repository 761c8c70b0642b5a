import { METAFIELDS_DELETE, METAFIELDS_SET } from "~/shopify/documents";
import { PREDICTION_SEGMENT_KINDS } from "~/compute/prediction-check.server";
import { runBulkMutation } from "~/push/bulk-mutation.server";
import { forEachConcurrently, type PushContext } from "~/push/context.server";
import { segmentToken } from "~/push/storefront.server";
import { customerGid } from "~/push/tags.server";
import {
  changedMetafields,
  metafieldValues,
  orderBySpecificity,
  removedMetafields,
  METAFIELD_TYPES,
  type MetafieldKey,
  type MetafieldValues,
} from "~/push/metafield-values";

// Writes the app-owned customer metafields whose values changed since the last push and deletes
// the ones that no longer have a value (PushedMetafields keeps what each customer carries).
// Changes are packed into metafieldsSet calls of at most 25 metafields, a customer never split
// across two; many changed customers go as one bulk mutation of those same calls. Deletions are
// metafieldsDelete calls of at most 25, recorded as they are confirmed, so an interrupted push
// leaves the rest to the next one. With metafield pushes off, every one of ours is deleted.

const MAX_METAFIELDS_PER_CALL = 25;
const PAGE = 5_000;

interface CustomerChange {
  customerId: bigint;
  shopifyId: bigint;
  /** To set. */
  values: MetafieldValues;
  /** To delete. */
  removed: MetafieldKey[];
}

interface MetafieldInput {
  ownerId: string;
  key: MetafieldKey;
  type: string;
  value: string;
}

interface Batch {
  customers: CustomerChange[];
  inputs: MetafieldInput[];
}

interface DeleteBatch {
  customers: CustomerChange[];
  inputs: { ownerId: string; namespace: string; key: MetafieldKey }[];
}

interface FactsRow {
  customerId: bigint;
  shopifyId: bigint;
  segments: string[] | null;
  r: number | null;
  f: number | null;
  m: number | null;
  rfmSegment: string | null;
  lifecycle: string | null;
  pAlive: number | null;
  clv: number | null;
  nextOrderAt: Date | null;
  pushed: MetafieldValues | null;
}

export async function pushMetafields(ctx: PushContext): Promise<void> {
  // Deleted customers carry nothing any more; forget what they had.
  await ctx.db.$executeRaw`
    DELETE FROM "PushedMetafields" p USING "Customer" c
    WHERE p."shopId" = ${ctx.shopId} AND c."shopId" = p."shopId" AND c.id = p."customerId" AND c."deletedAt" IS NOT NULL`;
  const changes = await changedCustomers(ctx);
  if (!changes.length) return;
  const batches = pack(changes.filter((c) => Object.keys(c.values).length));
  const deletions = packDeletions(changes.filter((c) => c.removed.length));
  const total = batches.length + deletions.length;
  let done = 0;
  let accepted: CustomerChange[] = [];
  let deleted: CustomerChange[] = [];
  const save = async () => {
    const [set, gone] = [accepted, deleted];
    accepted = [];
    deleted = [];
    await recordSet(ctx, set);
    await recordDeleted(ctx, gone);
    await ctx.progress({ phase: "metafields", done, total });
  };
  const settle = async (customers: CustomerChange[], into: "set" | "deleted") => {
    done++;
    (into === "set" ? accepted : deleted).push(...customers);
    if (accepted.length + deleted.length >= ctx.tuning.saveEvery) await save();
  };

  try {
    if (changes.length >= ctx.tuning.bulkThreshold && batches.length) {
      ctx.counts.bulkOperations += await runBulkMutation(
        ctx.admin,
        METAFIELDS_SET,
        batches.map((b) => ({ metafields: b.inputs })),
        {
          pollMs: ctx.tuning.bulkPollMs,
          maxPollMs: ctx.tuning.bulkMaxPollMs,
          onResult: (index, error) => {
            if (error) ctx.fail(`metafields for ${batches[index].customers.length} customers`, error);
            return settle(error ? [] : batches[index].customers, "set");
          },
        },
      );
    } else {
      await forEachConcurrently(batches, ctx.tuning.concurrency, async (batch) => {
        const refused = await setMetafields(ctx, batch.inputs);
        if (!refused.size) return settle(batch.customers, "set");
        // metafieldsSet is all-or-nothing: the customers whose values were accepted go again alone.
        const owners = new Set([...refused.keys()].map((i) => batch.inputs[i].ownerId));
        for (const message of new Set(refused.values())) ctx.fail("metafields", message);
        const rest = batch.customers.filter((c) => !owners.has(customerGid(c.shopifyId)));
        const retry = pack(rest)[0];
        await settle(retry && !(await setMetafields(ctx, retry.inputs)).size ? rest : [], "set");
      });
    }
    // Deletions are rare (a customer leaving every segment, a score gone), so plain calls do.
    await forEachConcurrently(deletions, ctx.tuning.concurrency, async (batch) => {
      const error = await deleteMetafields(ctx, batch.inputs);
      if (error) ctx.fail(`deleting metafields of ${batch.customers.length} customers`, error);
      await settle(error ? [] : batch.customers, "deleted");
    });
  } finally {
    await save();
  }
}

/** Null when every input was deleted (or was already absent), else Shopify's first message. */
async function deleteMetafields(ctx: PushContext, inputs: DeleteBatch["inputs"]): Promise<string | null> {
  const { metafieldsDelete } = await ctx.admin.request<{ metafieldsDelete: { userErrors: { message: string }[] } }>(
    METAFIELDS_DELETE,
    {
      metafields: inputs,
    },
  );
  return metafieldsDelete.userErrors[0]?.message ?? null;
}

/** Returns the refused inputs by index with Shopify's message; empty when all were written. */
async function setMetafields(ctx: PushContext, inputs: MetafieldInput[]): Promise<Map<number, string>> {
  const { metafieldsSet } = await ctx.admin.request<{
    metafieldsSet: { userErrors: { message: string; elementIndex: number | null }[] };
  }>(METAFIELDS_SET, { metafields: inputs });
  const refused = new Map<number, string>();
  for (const error of metafieldsSet.userErrors) {
    if (error.elementIndex === null) for (let i = 0; i < inputs.length; i++) refused.set(i, error.message);
    else refused.set(error.elementIndex, error.message);
  }
  return refused;
}

async function changedCustomers(ctx: PushContext): Promise<CustomerChange[]> {
  const { db, shopId } = ctx;
  // Segment sizes order each customer's list: the smallest (most specific) segment first.
  const sizeRows = await db.$queryRaw<{ key: string; size: number }[]>`
    SELECT "segmentKey" AS key, COUNT(*)::int AS size FROM "Membership"
    WHERE "shopId" = ${shopId} AND NOT control GROUP BY 1`;
  const sizes = new Map(sizeRows.map((r) => [r.key, r.size]));
  const changes: CustomerChange[] = [];
  for (let after = -1n; ;) {
    const rows = await db.$queryRaw<FactsRow[]>`
      SELECT c.id AS "customerId", c."shopifyId",
             (SELECT array_agg(m."segmentKey") FROM "Membership" m
              LEFT JOIN "Segment" s ON s."shopId" = m."shopId" AND s.key = m."segmentKey"
              WHERE m."shopId" = c."shopId" AND m."customerId" = c.id AND NOT m.control AND COALESCE(s.enabled, true)
                AND NOT (${ctx.predictionsWithheld} AND COALESCE(s.kind::text = ANY(${PREDICTION_SEGMENT_KINDS}::text[]), false))) AS segments,
             cs.r, cs.f, cs.m, cs."rfmSegment", cs.lifecycle, cs."pAlive", cs.clv, cs."nextOrderAt",
             pm.values AS pushed
      FROM "Customer" c
      LEFT JOIN "CustomerScore" cs ON cs."shopId" = c."shopId" AND cs."customerId" = c.id
      LEFT JOIN "PushedMetafields" pm ON pm."shopId" = c."shopId" AND pm."customerId" = c.id
      WHERE c."shopId" = ${shopId} AND c."deletedAt" IS NULL AND c.id > ${after}
      ORDER BY c.id
      LIMIT ${PAGE}`;
    for (const row of rows) {
      const segments = row.segments ?? [];
      // Nothing known and nothing written: leave the customer's metafields absent.
      if (!segments.length && row.r === null && !row.pushed) continue;
      // Switched off, nothing is wanted: everything written is deleted.
      const tokens = orderBySpecificity(segments, sizes).map((key) => segmentToken(ctx.storefrontKey, key));
      const wanted = ctx.settings.pushMetafields
        ? wantedValues(row, tokens, ctx.timezone, ctx.predictionsWithheld)
        : {};
      const values = changedMetafields(wanted, row.pushed);
      const removed = removedMetafields(wanted, row.pushed);
      if (Object.keys(values).length || removed.length)
        changes.push({ customerId: row.customerId, shopifyId: row.shopifyId, values, removed });
    }
    if (rows.length < PAGE) return changes;
    after = rows[rows.length - 1].customerId;
  }
}

/** What the customer's metafields should hold; without the predictions while they are withheld (then they are deleted). */
function wantedValues(
  row: FactsRow,
  segments: string[],
  timezone: string,
  predictionsWithheld: boolean,
): MetafieldValues {
  const predicted = predictionsWithheld
    ? { pAlive: null, clv: null, nextOrderAt: null }
    : { pAlive: row.pAlive, clv: row.clv, nextOrderAt: row.nextOrderAt };
  const score =
    row.r === null
      ? null
      : { r: row.r, f: row.f!, m: row.m!, rfmSegment: row.rfmSegment!, lifecycle: row.lifecycle, ...predicted };
  return metafieldValues({ segments, score }, timezone);
}

/** Packs customers into calls of at most 25 metafields, keeping each customer's in one call. */
function pack(changes: CustomerChange[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { customers: [], inputs: [] };
  for (const change of changes) {
    const entries = Object.entries(change.values) as [MetafieldKey, string][];
    if (current.inputs.length + entries.length > MAX_METAFIELDS_PER_CALL && current.inputs.length) {
      batches.push(current);
      current = { customers: [], inputs: [] };
    }
    current.customers.push(change);
    const ownerId = customerGid(change.shopifyId);
    for (const [key, value] of entries) current.inputs.push({ ownerId, key, type: METAFIELD_TYPES[key], value });
  }
  if (current.inputs.length) batches.push(current);
  return batches;
}

/** Packs deletions into calls of at most 25 metafields, keeping each customer's in one call. */
function packDeletions(changes: CustomerChange[]): DeleteBatch[] {
  const batches: DeleteBatch[] = [];
  let current: DeleteBatch = { customers: [], inputs: [] };
  for (const change of changes) {
    if (current.inputs.length + change.removed.length > MAX_METAFIELDS_PER_CALL && current.inputs.length) {
      batches.push(current);
      current = { customers: [], inputs: [] };
    }
    current.customers.push(change);
    const ownerId = customerGid(change.shopifyId);
    for (const key of change.removed) current.inputs.push({ ownerId, namespace: "$app", key });
  }
  if (current.inputs.length) batches.push(current);
  return batches;
}

/** Forgets the keys Shopify confirmed deleted; a customer left with none loses the row. */
async function recordDeleted(ctx: PushContext, customers: CustomerChange[]) {
  if (!customers.length) return;
  await ctx.db.$executeRaw`
    UPDATE "PushedMetafields" p
    SET "values" = p."values" - ARRAY(SELECT jsonb_array_elements_text(v.removed::jsonb)), "pushedAt" = now()
    FROM unnest(${customers.map((c) => String(c.customerId))}::bigint[], ${customers.map((c) => JSON.stringify(c.removed))}::text[]) AS v(id, removed)
    WHERE p."shopId" = ${ctx.shopId} AND p."customerId" = v.id`;
  await ctx.db.$executeRaw`
    DELETE FROM "PushedMetafields"
    WHERE "shopId" = ${ctx.shopId} AND "customerId" = ANY(${customers.map((c) => String(c.customerId))}::bigint[]) AND "values" = '{}'::jsonb`;
  for (const customer of customers) {
    ctx.counts.metafieldsDeleted += customer.removed.length;
    ctx.changedCustomers.add(customer.customerId);
  }
}

/** Merges what Shopify accepted into each customer's remembered values. */
async function recordSet(ctx: PushContext, customers: CustomerChange[]) {
  if (!customers.length) return;
  await ctx.db.$executeRaw`
    INSERT INTO "PushedMetafields" ("customerId", "shopId", "values")
    SELECT v.id, ${ctx.shopId}, v.values::jsonb
    FROM unnest(${customers.map((c) => String(c.customerId))}::bigint[], ${customers.map((c) => JSON.stringify(c.values))}::text[]) AS v(id, values)
    ON CONFLICT ("shopId", "customerId") DO UPDATE SET "values" = "PushedMetafields"."values" || EXCLUDED."values", "pushedAt" = now()`;
  for (const customer of customers) {
    ctx.counts.metafieldsSet += Object.keys(customer.values).length;
    ctx.changedCustomers.add(customer.customerId);
  }
}
