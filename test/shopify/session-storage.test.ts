import { Session } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import db from "~/db.server";
import { PrismaSessionStorage } from "~/shopify/session-storage.server";
import { uniqueShopDomain } from "../helpers/shops";

const offline = (shop: string, accessToken: string) =>
  new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken, scope: "read_orders" });

describe("PrismaSessionStorage", () => {
  it("round-trips a session and serves repeated loads from its short cache", async () => {
    const storage = new PrismaSessionStorage(db, 60_000);
    const shop = uniqueShopDomain();
    await storage.storeSession(offline(shop, "token-1"));
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("token-1");

    // Another process changes the row: within the cache window this process still has the old one…
    await db.session.update({ where: { id: `offline_${shop}` }, data: { accessToken: "token-2" } });
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("token-1");
    // …but its own writes and deletes take effect at once.
    await storage.storeSession(offline(shop, "token-3"));
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("token-3");
    await storage.deleteSessions([`offline_${shop}`]);
    expect(await storage.loadSession(`offline_${shop}`)).toBeUndefined();
    expect(await storage.findSessionsByShop(shop)).toEqual([]);
  });

  it("sees another process's change once the cache window has passed", async () => {
    const storage = new PrismaSessionStorage(db, 50);
    const shop = uniqueShopDomain();
    await storage.storeSession(offline(shop, "token-1"));
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("token-1");
    await db.session.update({ where: { id: `offline_${shop}` }, data: { accessToken: "token-2" } });
    await new Promise((r) => setTimeout(r, 80));
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("token-2");
  });
});
