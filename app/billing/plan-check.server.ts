import type { Db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { enqueueCompute, enqueuePush } from "~/enqueue.server";
import type { Queues } from "~/queues.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { APP_SUBSCRIPTIONS } from "~/shopify/documents";
import {
  effectivePlan,
  planFeatures,
  planOfSubscriptions,
  PLANS,
  type ActiveSubscription,
  type PlanId,
} from "~/billing/plans";

// The plan check (maintenance task `plan-check`): reads the installation's active subscriptions
// from Shopify and stores the plan on the shop. Queued after every install or re-auth (afterAuth),
// on every app_subscriptions/update webhook (its payload is only the signal: the query is the
// truth, so duplicates and any delivery order converge) and at worker start for shops never
// checked. A changed plan queues a compute (the customer limit, predictions and clusters) and a
// push (which sends what the plan now allows and takes back what it no longer does).

export interface PlanCheckDeps {
  db: Db;
  queues: Queues;
  adminForShop?: (shop: string) => Promise<AdminClient>;
}

export interface PlanCheckResult {
  plan?: PlanId;
  previous?: PlanId;
  changed?: boolean;
  skipped?: string;
}

interface SubscriptionsAnswer {
  currentAppInstallation: { id: string; activeSubscriptions: (ActiveSubscription & { test: boolean })[] } | null;
}

export async function checkShopPlan(deps: PlanCheckDeps, shopId: number): Promise<PlanCheckResult> {
  const { db } = deps;
  const shop = await db.shop.findUnique({ where: { id: shopId } });
  if (!shop || shop.uninstalledAt) return { skipped: "not installed" };
  if (!deps.adminForShop) return { skipped: "no admin access" };
  const admin = await deps.adminForShop(shop.domain);
  const answer = await admin.request<SubscriptionsAnswer>(APP_SUBSCRIPTIONS);
  const subscriptions = answer.currentAppInstallation?.activeSubscriptions ?? [];
  const plan = planOfSubscriptions(subscriptions);
  // The subscription that grants the plan (the highest active one), kept for the plan card.
  const granting = subscriptions.find((s) => s.status === "ACTIVE" && planOfSubscriptions([s]) === plan) ?? null;
  return storeShopPlan(deps, shopId, plan, granting);
}

/** Stores a plan read from Shopify; a change queues the compute and the push that follow it. */
export async function storeShopPlan(
  deps: Pick<PlanCheckDeps, "db" | "queues">,
  shopId: number,
  plan: PlanId,
  subscription: ActiveSubscription | null,
): Promise<PlanCheckResult> {
  const { db } = deps;
  const before = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { appPlan: true } });
  const previous = effectivePlan(before.appPlan);
  const stored: Prisma.InputJsonValue | undefined = subscription
    ? { id: subscription.id ?? null, name: subscription.name, status: subscription.status, test: !!subscription.test }
    : undefined;
  await db.shop.update({
    where: { id: shopId },
    data: { appPlan: plan, appSubscription: stored ?? Prisma.DbNull, appPlanCheckedAt: new Date() },
  });
  const changed = previous !== plan;
  if (changed) await followPlanChange(deps.queues, shopId, previous, plan);
  return { plan, previous, changed };
}

/**
 * What a plan change sets off. The compute applies the customer limit and the predictions and
 * clusters gates (memberships of gated segments go, and with them their tags); the push sends
 * or takes back tags, native segments, metafields, recommendations and the blocks' config, and
 * stops Flow triggers, by the plan's features.
 */
async function followPlanChange(queues: Queues, shopId: number, from: PlanId, to: PlanId) {
  const a = planFeatures(from);
  const b = planFeatures(to);
  const computeChanged =
    a.customerLimit !== b.customerLimit || a.predictions !== b.predictions || a.clusters !== b.clusters;
  if (computeChanged) await enqueueCompute(queues, shopId, `plan ${PLANS[to].name}`);
  // The compute queues its own push when it finishes; push now too, so a downgrade stops the
  // gated pushes without waiting for a compute (and an upgrade's pushes start).
  await enqueuePush(queues, shopId, "plan");
}
