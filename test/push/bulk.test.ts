import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { pushShop } from "~/push/push-shop.server";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { callsSince, mutationCalls, pushAdmin } from "./fixtures";
import { installWithCustomersOnly, writeLargeMemberships } from "./large-shop";

// A 50k-customer change goes to Shopify as bulk mutations, not 50k throttled calls.

const CUSTOMERS = 50_000;
let env: EmulatedApp;
let shopId: number;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: CUSTOMERS });
  shopId = await installWithCustomersOnly(env);
});
afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("large push", () => {
  it("sends a 50k-customer delta as one bulk mutation for tags and one for metafields", async () => {
    await writeLargeMemberships(shopId);
    const before = mutationCalls(env);
    const admin = await pushAdmin(env);
    const counts = await pushShop(db, admin, shopId, { tuning: { bulkPollMs: 100, bulkMaxPollMs: 500 } });

    expect(counts.errors).toBe(0);
    expect(counts.customersChanged).toBe(CUSTOMERS);
    expect(counts.tagsAdded).toBe(CUSTOMERS + CUSTOMERS / 2);
    expect(counts.bulkOperations).toBe(2);
    // The one metafieldsSet call is the storefront config on the app's installation, not a customer.
    expect(callsSince(before, env)).toMatchObject({
      TagsAdd: 0,
      TagsRemove: 0,
      MetafieldsSet: 1,
      StagedUploadsCreate: 2,
      RunBulkMutation: 2,
    });
    // A handful of calls in all, whatever the number of customers.
    expect(admin.usage.calls).toBeLessThan(100);

    let tagged = 0;
    for (const { record } of env.emu.shop(env.shop).customers()) if (record.tags.includes("seg:rfm-loyal")) tagged++;
    expect(tagged).toBe(CUSTOMERS);
    expect(await db.pushedTag.count({ where: { shopId } })).toBe(CUSTOMERS + CUSTOMERS / 2);
  }, 180_000);
});
