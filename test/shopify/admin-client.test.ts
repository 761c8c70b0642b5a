import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queues } from "~/queues.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { startBulkQuery } from "~/shopify/bulk.server";
import { CUSTOMERS_BULK_QUERY } from "~/shopify/documents";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";

// The jobs' Admin API client against the emulator's cost-based throttling and bulk limits.

const CUSTOMERS_PAGE = /* GraphQL */ `
  query CustomersPage {
    customers(first: 20) {
      edges {
        node {
          id
          email
        }
      }
    }
  }
`;

let env: EmulatedApp;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 50 });
  await env.install();
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

describe("AdminClient", () => {
  it("waits for the bucket to refill and retries THROTTLED until every call succeeds", async () => {
    env.emu.setThrottle(env.shop, { maximumAvailable: 60, restoreRate: 60 });
    const admin = await adminForShop(env.shop);
    const started = performance.now();
    // Four callers at once overdraw the bucket: Shopify answers THROTTLED and we must recover.
    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const pages = [];
        for (let i = 0; i < 3; i++)
          pages.push(await admin.request<{ customers: { edges: unknown[] } }>(CUSTOMERS_PAGE));
        return pages;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(results.flat().every((page) => page.customers.edges.length === 20)).toBe(true);
    expect(admin.usage.throttled).toBeGreaterThan(0);
    // 12 calls × 22 points through a 60-point bucket refilling 60 points/s need about 3.4 s.
    expect(seconds).toBeGreaterThan((12 * 22 - 60) / 60 - 0.5);
    expect(admin.throttleStatus?.maximumAvailable).toBe(60);
  });

  it("waits for a free slot when the shop already runs its maximum of bulk operations", async () => {
    env.emu.setThrottle(env.shop, { maximumAvailable: 20_000, restoreRate: 1_000 });
    env.emu.faults.bulk.startDelayMs = 1_500;
    const admin = await adminForShop(env.shop);
    const running = await Promise.all(Array.from({ length: 5 }, () => startBulkQuery(admin, CUSTOMERS_BULK_QUERY)));
    expect(new Set(running).size).toBe(5);
    const callsBefore = env.emu.stats(env.shop).calls.RunBulkQuery ?? 0;
    const id = await startBulkQuery(admin, CUSTOMERS_BULK_QUERY);
    expect(running).not.toContain(id);
    // It was refused at least once (LIMIT_REACHED) and waited instead of failing.
    expect((env.emu.stats(env.shop).calls.RunBulkQuery ?? 0) - callsBefore).toBeGreaterThan(1);
    env.emu.faults.bulk.startDelayMs = 0;
  });
});
