import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { adminForShop } from "~/jobs/admin-for-shop.server";
import { sessionStorage } from "~/shopify.server";
import { Session } from "@shopify/shopify-api";
import { startEmulatedApp, type EmulatedApp } from "../helpers/emulated-app";
import { waitFor } from "../helpers/shops";

// Expiring offline access tokens end to end against the emulator, with tokens that live two
// seconds instead of Shopify's hour: install stores one with its refresh token, a job's client
// refreshes it when it lapsed mid-job, a whole back-fill runs on tokens that are always within
// the refresh margin, and a shop still on a non-expiring token is migrated (its old token then
// stops working).

const LIFETIME_MS = 2_000;
const SHOP_QUERY = /* GraphQL */ `
  query ShopName {
    shop {
      name
    }
  }
`;

let env: EmulatedApp;

beforeAll(async () => {
  env = await startEmulatedApp({ customers: 300 }, { offlineTokenLifetimeMs: LIFETIME_MS });
});

afterAll(async () => {
  await env?.close();
  await queues().close();
});

/** A GraphQL call straight to the emulator with `token`, bypassing the app: its HTTP status. */
async function statusWith(token: string): Promise<number> {
  const response = await fetch(`${env.emu.origin}/admin/api/${env.emu.apiVersion}/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token, "X-Forwarded-Host": env.shop },
    body: JSON.stringify({ query: SHOP_QUERY }),
  });
  return response.status;
}

const offlineSession = async () => (await sessionStorage.loadSession(`offline_${env.shop}`))!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("expiring offline access tokens", () => {
  it("installs with an expiring token and a refresh token", async () => {
    await env.install();
    const session = await offlineSession();
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() - 1_000);
    expect(session.expires!.getTime()).toBeLessThanOrEqual(Date.now() + LIFETIME_MS);
  });

  it("refreshes the token a job's client holds once it has expired", async () => {
    const admin = await adminForShop(env.shop);
    const stale = (await offlineSession()).accessToken!;
    await sleep(LIFETIME_MS + 500);
    // The token really lapsed: Shopify (the emulator) refuses it now.
    expect(await statusWith(stale)).toBe(401);
    const refreshes = env.emu.tokenGrants.refresh;
    const answer = await admin.request<{ shop: { name: string } }>(SHOP_QUERY);
    expect(answer.shop.name).toBeTruthy();
    expect(env.emu.tokenGrants.refresh).toBeGreaterThan(refreshes);
    const fresh = await offlineSession();
    expect(fresh.accessToken).not.toBe(stale);
    expect(await statusWith(fresh.accessToken!)).toBe(200);
  });

  it("back-fills a shop whose token is always near expiry, refreshing it as it goes", async () => {
    const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
    const pool = env.startWorkers({}, ["sync", "ingest"]);
    try {
      const refreshes = env.emu.tokenGrants.refresh;
      const run = await waitFor(
        () => db.run.findFirst({ where: { shopId: shop.id, kind: "SYNC", status: { in: ["SUCCEEDED", "FAILED"] } } }),
        { timeoutMs: 120_000, intervalMs: 250, what: "the back-fill" },
      );
      expect(run.error).toBeNull();
      expect(run.status).toBe("SUCCEEDED");
      expect(await db.customer.count({ where: { shopId: shop.id } })).toBeGreaterThan(200);
      expect(env.emu.tokenGrants.refresh).toBeGreaterThan(refreshes);
    } finally {
      await pool.close();
    }
  });

  it("migrates a shop still on a non-expiring token, whose old token then stops working", async () => {
    const old = env.emu.accessToken(env.shop);
    expect(await statusWith(old)).toBe(200);
    const current = await offlineSession();
    await sessionStorage.storeSession(
      new Session({
        id: current.id,
        shop: env.shop,
        state: "",
        isOnline: false,
        accessToken: old,
        scope: current.scope,
      }),
    );
    const migrated = env.emu.tokenGrants.migrated;
    const admin = await adminForShop(env.shop);
    expect(env.emu.tokenGrants.migrated).toBe(migrated + 1);
    const session = await offlineSession();
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires).toBeInstanceOf(Date);
    expect(await statusWith(old)).toBe(401);
    expect((await admin.request<{ shop: { name: string } }>(SHOP_QUERY)).shop.name).toBeTruthy();
    // Once migrated, a second client does not exchange again.
    await adminForShop(env.shop);
    expect(env.emu.tokenGrants.migrated).toBe(migrated + 1);
  });
});
