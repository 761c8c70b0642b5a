import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { checkShopPlan } from "~/billing/plan-check.server";
import { collapsedJob, computeJobKey, pushJobKey, queueUncheckedPlanChecks } from "~/enqueue.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { APP_SUBSCRIPTIONS } from "~/shopify/documents";
import { uniqueShopDomain } from "../helpers/shops";

// The plan check on its own (real PostgreSQL and Redis, Shopify's answer given): what it stores,
// what a change queues, and the worker start's checks of shops never checked.

type Subscription = { id: string; name: string; status: string; test: boolean };

function adminAnswering(subscriptions: Subscription[], asked: string[] = []) {
  return async () =>
    ({
      request: async (query: string) => {
        asked.push(query);
        return {
          currentAppInstallation: { id: "gid://shopify/AppInstallation/1", activeSubscriptions: subscriptions },
        };
      },
    }) as unknown as AdminClient;
}

const newShop = async (data: { appPlan?: string | null; uninstalledAt?: Date } = {}) =>
  db.shop.create({ data: { domain: uniqueShopDomain("plan-check"), ...data } });

afterAll(() => queues().close());

describe("plan check", () => {
  it("stores the plan and its subscription; a change queues a compute and a push", async () => {
    const shop = await newShop({ appPlan: "free" });
    const asked: string[] = [];
    const growth = { id: "gid://shopify/AppSubscription/7", name: "Growth", status: "ACTIVE", test: true };
    const result = await checkShopPlan(
      { db, queues: queues(), adminForShop: adminAnswering([growth], asked) },
      shop.id,
    );
    expect(asked).toEqual([APP_SUBSCRIPTIONS]);
    expect(result).toEqual({ plan: "growth", previous: "free", changed: true });
    const stored = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(stored.appPlan).toBe("growth");
    expect(stored.appSubscription).toEqual({ id: growth.id, name: "Growth", status: "ACTIVE", test: true });
    expect(stored.appPlanCheckedAt).not.toBeNull();
    expect(await collapsedJob(queues(), "compute", computeJobKey(shop.id))).toBeDefined();
    expect(await collapsedJob(queues(), "push", pushJobKey(shop.id))).toBeDefined();
  });

  it("no change queues nothing; no subscription is Free with none stored", async () => {
    const shop = await newShop({ appPlan: "free" });
    expect(await checkShopPlan({ db, queues: queues(), adminForShop: adminAnswering([]) }, shop.id)).toEqual({
      plan: "free",
      previous: "free",
      changed: false,
    });
    expect((await db.shop.findUniqueOrThrow({ where: { id: shop.id } })).appSubscription).toBeNull();
    expect(await collapsedJob(queues(), "compute", computeJobKey(shop.id))).toBeUndefined();
    expect(await collapsedJob(queues(), "push", pushJobKey(shop.id))).toBeUndefined();
  });

  it("a shop never checked (read as Pro) that has no subscription moves to Free, and the push takes back", async () => {
    const shop = await newShop();
    const result = await checkShopPlan({ db, queues: queues(), adminForShop: adminAnswering([]) }, shop.id);
    expect(result).toEqual({ plan: "free", previous: "pro", changed: true });
    expect(await collapsedJob(queues(), "push", pushJobKey(shop.id))).toBeDefined();
  });

  it("skips an uninstalled shop without asking Shopify", async () => {
    const shop = await newShop({ appPlan: "free", uninstalledAt: new Date() });
    const asked: string[] = [];
    expect(await checkShopPlan({ db, queues: queues(), adminForShop: adminAnswering([], asked) }, shop.id)).toEqual({
      skipped: "not installed",
    });
    expect(asked).toEqual([]);
  });

  it("at worker start, queues a check for every installed shop never checked, and none for the others", async () => {
    const unchecked = await newShop();
    const checked = await db.shop.create({
      data: { domain: uniqueShopDomain("plan-check"), appPlan: "growth", appPlanCheckedAt: new Date() },
    });
    const gone = await newShop({ uninstalledAt: new Date() });
    expect(await queueUncheckedPlanChecks(db, queues())).toBeGreaterThanOrEqual(1);
    const job = await collapsedJob(queues(), "maintenance", `plan-${unchecked.id}`);
    expect(job?.data).toEqual({ task: "plan-check", shopId: unchecked.id });
    expect(await collapsedJob(queues(), "maintenance", `plan-${checked.id}`)).toBeUndefined();
    expect(await collapsedJob(queues(), "maintenance", `plan-${gone.id}`)).toBeUndefined();
  });
});
