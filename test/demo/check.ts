import type { Db } from "~/db.server";
import { parseGid, type Emulator } from "../shopify-emulator";
import { waitUntil } from "./net";

// `npm run demo -- --check`: the end state after install → back-fill → compute → push,
// compared with what the emulated Shopify holds, plus one webhook-driven re-score.

export interface CheckResult {
  ok: boolean;
  detail: Record<string, unknown>;
  /** Why it failed; absent when ok. */
  problem?: string;
}

export async function checkSynced(db: Db, emu: Emulator, domain: string, shopId: number): Promise<CheckResult> {
  const store = emu.shop(domain);
  let shopifyCustomers = 0;
  for (const _ of store.customers()) shopifyCustomers++;
  let shopifyOrders = 0;
  for (const _ of store.orders()) shopifyOrders++;
  const [customers, orders] = await Promise.all([
    db.customer.count({ where: { shopId, deletedAt: null } }),
    db.order.count({ where: { shopId, deletedAt: null } }),
  ]);
  const detail = { customers, orders, shopifyCustomers, shopifyOrders };
  const ok = customers === shopifyCustomers && orders === shopifyOrders;
  return ok ? { ok, detail } : { ok, detail, problem: "database counts differ from the emulated shop's" };
}

export async function checkComputed(db: Db, shopId: number): Promise<CheckResult> {
  const [scores, memberships, snapshots, segments] = await Promise.all([
    db.customerScore.count({ where: { shopId } }),
    db.membership.count({ where: { shopId } }),
    db.segmentSnapshot.count({ where: { shopId } }),
    db.segment.count({ where: { shopId, enabled: true } }),
  ]);
  const detail = { scores, memberships, snapshots, segments };
  const missing = Object.entries(detail)
    .filter(([, n]) => n === 0)
    .map(([name]) => name);
  return missing.length ? { ok: false, detail, problem: `no ${missing.join(", ")} rows` } : { ok: true, detail };
}

/** Every tag and native segment the push recorded as sent is present in the emulated Shopify. */
export async function checkPushed(db: Db, emu: Emulator, domain: string, shopId: number): Promise<CheckResult> {
  const store = emu.shop(domain);
  const pushedTags = await db.pushedTag.findMany({
    where: { shopId },
    select: { tag: true, customer: { select: { shopifyId: true } } },
  });
  let missingTags = 0;
  const tagged = new Set<bigint>();
  for (const { tag, customer } of pushedTags) {
    tagged.add(customer.shopifyId);
    const tags = store.customer(Number(customer.shopifyId))?.record.tags ?? [];
    if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) missingTags++;
  }
  const pushedSegments = await db.pushedSegment.findMany({ where: { shopId } });
  let missingSegments = 0;
  for (const pushed of pushedSegments) {
    const native = store.segments.get(parseGid(pushed.shopifyId, "Segment") ?? -1);
    if (!native || native.name !== pushed.name || native.query !== pushed.query) missingSegments++;
  }
  const detail = {
    tags: pushedTags.length,
    taggedCustomers: tagged.size,
    nativeSegments: pushedSegments.length,
    shopifySegments: store.segments.size,
    missingTags,
    missingSegments,
  };
  const problems = [
    pushedTags.length === 0 && "no tags pushed",
    pushedSegments.length === 0 && "no native segments pushed",
    missingTags > 0 && `${missingTags} pushed tags are not on the customers in Shopify`,
    missingSegments > 0 && `${missingSegments} pushed native segments are missing or differ in Shopify`,
  ].filter((p): p is string => typeof p === "string");
  return problems.length ? { ok: false, detail, problem: problems.join("; ") } : { ok: true, detail };
}

/**
 * A new order in Shopify reaches the app as an orders/create webhook; once the debounce window
 * closes, the customer's score must reflect it.
 */
export async function checkWebhookUpdate(
  db: Db,
  emu: Emulator,
  domain: string,
  shopId: number,
  debounceMs: number,
): Promise<CheckResult> {
  const before = await db.customerScore.findFirstOrThrow({
    where: { shopId, orderCount: { gt: 0 } },
    orderBy: { customerId: "asc" },
    include: { customer: { select: { shopifyId: true } } },
  });
  const startedAt = Date.now();
  const order = emu.shop(domain).createOrder({ customerId: Number(before.customer.shopifyId) });
  const timeoutMs = debounceMs + 30_000;
  try {
    const after = await waitUntil(
      () => db.customerScore.findFirst({ where: { customerId: before.customerId, orderCount: before.orderCount + 1 } }),
      { timeoutMs, intervalMs: 100, what: "the re-score after an orders/create webhook" },
    );
    return {
      ok: true,
      detail: {
        customer: before.customer.shopifyId.toString(),
        order: order.id,
        orderCount: [before.orderCount, after.orderCount],
        totalSpent: [before.totalSpent.toString(), after.totalSpent.toString()],
        rescoredAfterMs: Date.now() - startedAt,
        debounceMs,
      },
    };
  } catch {
    const stored = await db.order.findFirst({ where: { shopId, shopifyId: BigInt(order.id) } });
    return {
      ok: false,
      detail: {
        customer: before.customer.shopifyId.toString(),
        order: order.id,
        orderStored: Boolean(stored),
        waitedMs: timeoutMs,
      },
      problem: stored
        ? `the order arrived by webhook but the customer's score did not change within ${timeoutMs} ms`
        : `the orders/create webhook was not applied within ${timeoutMs} ms`,
    };
  }
}
