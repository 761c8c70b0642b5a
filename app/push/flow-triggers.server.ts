import type { FlowTriggerState, Prisma } from "~/generated/prisma/client";
import { PREDICTION_SEGMENT_KINDS } from "~/compute/prediction-check.server";
import { CHURN_RISK_LEVELS } from "~/segmentation/segments";
import { AdminApiError } from "~/shopify/admin-client.server";
import type { PushContext } from "~/push/context.server";
import { localDate } from "~/push/metafield-values";

// Shopify Flow triggers from the membership events the computes record: "Customer entered
// segment", "Customer left segment" and "Customer churn risk changed" (extensions/*), for enabled
// segments whose Flow triggers the merchant turned on, never for control-group holdouts.
//
// Exactly once is not on offer: Flow has no idempotency key, and a push can die between Flow
// accepting a call and us recording it. We choose AT MOST ONCE: a trigger is claimed (SENDING,
// committed) before it is sent and marked SENT after; a SENDING row found by the next push (which
// holds the shop's push lock, so its sender is dead) becomes LOST and is never sent again. A crash
// therefore loses at most one batch, and nothing ever fires twice (a duplicate win-back email or
// discount is worse than a missed one). Calls are retried only when Shopify certainly did not run
// them (THROTTLED); userErrors mean Flow did not run the workflows, so those are sent again.

export const FLOW_TRIGGERS = {
  entered: "customer-entered-segment",
  left: "customer-left-segment",
  churnRiskChanged: "customer-churn-risk-changed",
} as const;

/** Triggers per request: aliased `flowTriggerReceive` fields, 10 cost points each. */
export const FLOW_BATCH = 25;
/** Sends of a trigger Flow rejected (userErrors), in all. */
export const MAX_FLOW_ATTEMPTS = 3;
/** Rejected triggers sent again per push, at most. */
const MAX_RETRIES_PER_PUSH = 500;
/** Flow refuses payloads of 50,000 bytes or more. */
export const MAX_FLOW_PAYLOAD_BYTES = 50_000;

const CHURN_PREFIX = "churn-risk-";
const CHURN_KEYS = CHURN_RISK_LEVELS.map((level) => level.key);

interface Candidate {
  eventId: bigint;
  trigger: string;
  customerId: bigint;
  shopifyId: bigint | null;
  deleted: boolean;
  /** Opted out of profiling (app/sync/write-records.server.ts): nothing about them goes to Flow. */
  optedOut?: boolean;
  segmentKey: string;
  segmentName: string;
  kind: string;
  entered: boolean;
  at: Date;
  control: boolean | null;
  since: Date | null;
  entryControl: boolean | null;
  previousKey: string | null;
  pAlive: number | null;
  clv: number | null;
  nextOrderAt: Date | null;
}

interface Send {
  eventId: bigint;
  trigger: string;
  customerId: bigint;
  payload: Record<string, unknown>;
}

/** One document sending `count` triggers: `t<i>: flowTriggerReceive(handle: $h<i>, payload: $p<i>)`. */
export function flowTriggersDocument(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$h${i}: String!, $p${i}: JSON!`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) => `t${i}: flowTriggerReceive(handle: $h${i}, payload: $p${i}) { userErrors { field message } }`,
  ).join("\n  ");
  return `mutation FlowTriggersReceive(${variables}) {\n  ${fields}\n}`;
}

const level = (key: string) => key.slice(CHURN_PREFIX.length);

/** The payload Flow receives, keyed as the extension's fields are (references as `customer_id`). */
export function flowPayload(c: Candidate, timezone: string): Record<string, unknown> {
  const customer_id = Number(c.shopifyId);
  if (c.trigger === FLOW_TRIGGERS.churnRiskChanged) {
    return {
      customer_id,
      "Previous level": level(c.previousKey ?? ""),
      "New level": level(c.segmentKey),
      "Probability active": Math.round((c.pAlive ?? 0) * 1e4) / 1e4,
      "Predicted CLV": Math.round((c.clv ?? 0) * 100) / 100,
      "Expected next order": c.nextOrderAt ? localDate(c.nextOrderAt, timezone) : "",
    };
  }
  const segment = {
    customer_id,
    "Segment key": c.segmentKey,
    "Segment name": c.segmentName,
    "Segment kind": c.kind.toLowerCase(),
  };
  if (c.entered) return { ...segment, Since: c.at.toISOString() };
  return { ...segment, Since: c.since?.toISOString() ?? "", "Left at": c.at.toISOString() };
}

/** Why a candidate is not sent, or null to send it. */
function skipReason(c: Candidate, predictionsWithheld: boolean, flowAllowed: boolean): string | null {
  // Moves while the plan has no Flow triggers never fire, as moves before a switch-on.
  if (!flowAllowed) return "plan without Flow triggers";
  if (c.shopifyId === null || c.deleted) return "customer deleted";
  if (c.optedOut) return "customer opted out of profiling";
  if (c.entered ? c.control === true : c.entryControl === true) return "control group";
  if (predictionsWithheld && PREDICTION_SEGMENT_KINDS.includes(c.kind as (typeof PREDICTION_SEGMENT_KINDS)[number]))
    return "predictions withheld";
  if (c.trigger === FLOW_TRIGGERS.churnRiskChanged) {
    if (!c.previousKey) return "first churn-risk level";
    if (c.pAlive === null || c.clv === null) return "no score";
  }
  return null;
}

export async function pushFlowTriggers(ctx: PushContext): Promise<void> {
  const { db, shopId, counts } = ctx;
  // The push lock is held: a SENDING row's sender is dead, and Flow may have run it.
  const lost = await db.flowTriggerSend.updateMany({
    where: { shopId, state: "SENDING" },
    data: { state: "LOST", error: "push stopped while sending; not sent again (at most once)" },
  });
  counts.flowTriggersLost += lost.count;

  // Rejected ones first (Flow did not run them), once per push; then new events, oldest first.
  // Without Flow in the plan nothing is sent again (the rejected stay as they are).
  const retry = await db.flowTriggerSend.findMany({
    where: { shopId, state: "REJECTED", attempts: { lt: ctx.features.flow ? MAX_FLOW_ATTEMPTS : 0 } },
    orderBy: [{ eventId: "asc" }, { trigger: "asc" }],
    take: MAX_RETRIES_PER_PUSH,
  });
  for (let start = 0; start < retry.length; start += FLOW_BATCH) {
    const batch = retry.slice(start, start + FLOW_BATCH);
    const claimed = await claim(
      ctx,
      batch.map((r) => ({ ...r, payload: r.payload as Record<string, unknown> })),
      true,
    );
    if (!(await send(ctx, claimed))) return;
  }
  for (;;) {
    const candidates = await pendingCandidates(ctx, FLOW_BATCH * 4);
    if (candidates.length === 0) break;
    const sends: Send[] = [];
    const skipped: { c: Candidate; reason: string }[] = [];
    for (const c of candidates) {
      const reason = skipReason(c, ctx.predictionsWithheld, ctx.features.flow);
      if (reason) skipped.push({ c, reason });
      else sends.push({ ...c, payload: flowPayload(c, ctx.timezone) });
    }
    if (skipped.length > 0) {
      const result = await db.flowTriggerSend.createMany({
        data: skipped.map(({ c, reason }) => ({
          shopId,
          eventId: c.eventId,
          trigger: c.trigger,
          customerId: c.customerId,
          state: "SKIPPED" as FlowTriggerState,
          error: reason,
        })),
        skipDuplicates: true,
      });
      counts.flowTriggersSkipped += result.count;
    }
    for (let start = 0; start < sends.length; start += FLOW_BATCH) {
      const claimed = await claim(ctx, sends.slice(start, start + FLOW_BATCH), false);
      if (!(await send(ctx, claimed))) return;
    }
    await ctx.progress({ phase: "flow", done: counts.flowTriggersSent, total: counts.flowTriggersSent });
  }
}

/** Records the batch as SENDING (committed) before anything is sent; returns what this push claimed. */
async function claim(ctx: PushContext, sends: Send[], retry: boolean): Promise<Send[]> {
  const { db, shopId } = ctx;
  const oversize = sends.filter((s) => Buffer.byteLength(JSON.stringify(s.payload)) >= MAX_FLOW_PAYLOAD_BYTES);
  const fits = sends.filter((s) => !oversize.includes(s));
  for (const s of oversize) ctx.fail(`flow ${s.trigger}`, `payload of event ${s.eventId} is over Flow's 50,000 bytes`);
  const rows = [
    ...oversize.map((s) => ({ s, state: "SKIPPED" as const })),
    ...fits.map((s) => ({ s, state: "SENDING" as const })),
  ];
  if (retry) {
    await db.$transaction(
      rows.map(({ s, state }) =>
        db.flowTriggerSend.update({
          where: { shopId_eventId_trigger: { shopId, eventId: s.eventId, trigger: s.trigger } },
          data: { state, attempts: { increment: state === "SENDING" ? 1 : 0 } },
        }),
      ),
    );
    return fits;
  }
  await db.flowTriggerSend.createMany({
    data: rows.map(({ s, state }) => ({
      shopId,
      eventId: s.eventId,
      trigger: s.trigger,
      customerId: s.customerId,
      state,
      attempts: state === "SENDING" ? 1 : 0,
      payload: s.payload as Prisma.InputJsonValue,
      error: state === "SKIPPED" ? "payload too large" : null,
    })),
  });
  return fits;
}

/** Sends claimed triggers in one request; false when the step must stop (Shopify failed). */
async function send(ctx: PushContext, claimed: Send[]): Promise<boolean> {
  if (claimed.length === 0) return true;
  const { db, shopId, counts } = ctx;
  const key = (s: Send) => ({ shopId_eventId_trigger: { shopId, eventId: s.eventId, trigger: s.trigger } });
  const variables: Record<string, unknown> = {};
  claimed.forEach((s, i) => {
    variables[`h${i}`] = s.trigger;
    variables[`p${i}`] = s.payload;
  });
  let data: Record<string, { userErrors: { field: string[] | null; message: string }[] } | null>;
  try {
    data = await ctx.admin.request(flowTriggersDocument(claimed.length), variables, { atMostOnce: true });
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    if (!error.ambiguous) {
      // Shopify refused the request whole and ran none of it: sent again (within the attempts).
      await db.flowTriggerSend.updateMany({
        where: { shopId, state: "SENDING" },
        data: { state: "REJECTED", error: error.message.slice(0, 500) },
      });
      throw error;
    }
    // It may have run: never send these again.
    await db.flowTriggerSend.updateMany({
      where: { shopId, state: "SENDING" },
      data: { state: "LOST", error: `Shopify failed while sending: ${error.message}`.slice(0, 500) },
    });
    counts.flowTriggersLost += claimed.length;
    ctx.fail("flow", error.message);
    return false;
  }
  const sent: Send[] = [];
  const updates = [];
  for (let i = 0; i < claimed.length; i++) {
    const errors = data[`t${i}`]?.userErrors ?? [];
    if (errors.length === 0) {
      sent.push(claimed[i]);
      continue;
    }
    const message = errors.map((e) => (e.field?.length ? `${e.field.join(".")}: ` : "") + e.message).join("; ");
    ctx.fail(`flow ${claimed[i].trigger} (event ${claimed[i].eventId})`, message);
    counts.flowTriggersRejected++;
    updates.push(db.flowTriggerSend.update({ where: key(claimed[i]), data: { state: "REJECTED", error: message } }));
  }
  if (sent.length > 0)
    updates.push(
      db.flowTriggerSend.updateMany({
        where: { shopId, OR: sent.map((s) => ({ eventId: s.eventId, trigger: s.trigger })) },
        data: { state: "SENT", error: null },
      }),
    );
  await db.$transaction(updates);
  counts.flowTriggersSent += sent.length;
  return true;
}

/**
 * Membership events after their segment's Flow switch-on with no FlowTriggerSend row yet, one
 * row per trigger they start: entries, exits (with when the customer had entered and in which
 * arm), and entries into a churn-risk level with the level left just before in the same run (a
 * re-score records its moves under the run of the model it used, after that run's own).
 */
async function pendingCandidates(ctx: PushContext, limit: number): Promise<Candidate[]> {
  const { db, shopId } = ctx;
  return db.$queryRaw<Candidate[]>`
    WITH seg AS (
      SELECT key, name, kind::text AS kind, "flowTriggersAfterEventId" AS after FROM "Segment"
      WHERE "shopId" = ${shopId} AND enabled AND "flowTriggersAfterEventId" IS NOT NULL
    ),
    ev AS (
      SELECT e.id, e."runId", e."customerId", e."segmentKey", e.entered, e.at, e.control, s.name, s.kind
      FROM "MembershipEvent" e JOIN seg s ON s.key = e."segmentKey"
      WHERE e."shopId" = ${shopId} AND e.id > s.after
    ),
    cand AS (
      SELECT ev.*, CASE WHEN ev.entered THEN ${FLOW_TRIGGERS.entered}::text ELSE ${FLOW_TRIGGERS.left}::text END AS trigger FROM ev
      UNION ALL
      SELECT ev.*, ${FLOW_TRIGGERS.churnRiskChanged}::text FROM ev WHERE ev.entered AND ev."segmentKey" = ANY(${CHURN_KEYS}::text[])
    )
    SELECT c.id AS "eventId", c.trigger, c."customerId", cu."shopifyId", cu."deletedAt" IS NOT NULL AS deleted,
           COALESCE(cu."profilingOptOut", false) AS "optedOut",
           c."segmentKey", c.name AS "segmentName", c.kind, c.entered, c.at, c.control,
           entry.at AS since, entry.control AS "entryControl", prev."segmentKey" AS "previousKey",
           cs."pAlive", cs.clv, cs."nextOrderAt"
    FROM cand c
    LEFT JOIN "Customer" cu ON cu."shopId" = ${shopId} AND cu.id = c."customerId"
    LEFT JOIN "CustomerScore" cs
      ON cs."shopId" = ${shopId} AND cs."customerId" = c."customerId" AND c.trigger = ${FLOW_TRIGGERS.churnRiskChanged}::text
    LEFT JOIN LATERAL (
      SELECT x.at, x.control FROM "MembershipEvent" x
      WHERE x."shopId" = ${shopId} AND x."customerId" = c."customerId" AND x."segmentKey" = c."segmentKey"
        AND x.entered AND x.id < c.id
      ORDER BY x.id DESC LIMIT 1
    ) entry ON NOT c.entered
    LEFT JOIN LATERAL (
      SELECT x."segmentKey" FROM "MembershipEvent" x
      WHERE x."shopId" = ${shopId} AND x."customerId" = c."customerId" AND x."segmentKey" = ANY(${CHURN_KEYS}::text[])
        AND x."runId" = c."runId" AND NOT x.entered AND x."segmentKey" <> c."segmentKey" AND x.id < c.id
      ORDER BY x.id DESC LIMIT 1
    ) prev ON c.trigger = ${FLOW_TRIGGERS.churnRiskChanged}::text
    WHERE NOT EXISTS (
      SELECT 1 FROM "FlowTriggerSend" f WHERE f."shopId" = ${shopId} AND f."eventId" = c.id AND f.trigger = c.trigger
    )
    ORDER BY c.id, c.trigger
    LIMIT ${limit}::int`;
}
