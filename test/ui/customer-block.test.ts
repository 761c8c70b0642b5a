import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RequestType, getJwt, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { loader } from "~/routes/api.customer-block";
import { loader as customerLoader } from "~/routes/app.customers.$id";
import { computeShop } from "~/compute/compute-shop.server";
import { queues } from "~/queues.server";
import { RFM_SEGMENTS } from "~/segmentation";
import type { CustomerBlock } from "~/admin/customer-block.server";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// GET /api/customer-block, what the customer details block reads: authenticated by the session
// token Shopify adds to the admin extension's fetch, scoped to that token's shop, CORS only for
// the admin extension origins (never "*"), 401 rather than a login redirect without a token.

const NOW = new Date("2026-03-02T12:00:00Z");
const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const gid = (shopifyId: bigint) => `gid://shopify/Customer/${shopifyId}`;

function url(customerId?: string): string {
  const base = `${process.env.SHOPIFY_APP_URL}/api/customer-block`;
  return customerId === undefined ? base : `${base}?customerId=${encodeURIComponent(customerId)}`;
}

/** The endpoint's answer to `request`, as Remix would send it (thrown responses included). */
async function call(request: Request): Promise<Response> {
  try {
    return (await loader({ request, params: {}, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** A request from the block in `shop`'s admin: its session token and the extension's origin. */
async function fromBlock(shop: string, customerId?: string, origin: string | null = EXTENSION_ORIGIN) {
  const headers: Record<string, string> = origin ? { Origin: origin } : {};
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(url(customerId), { headers }),
  );
  return call(request);
}

async function installed(label: string, customers: number): Promise<SeededShop> {
  const domain = uniqueShopDomain(label);
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  return seedAnalysedShop(domain, customers, NOW);
}

let shop: SeededShop;
let other: SeededShop;

beforeAll(async () => {
  [shop, other] = await Promise.all([installed("block", 120), installed("block-other", 30)]);
  const run = await db.run.create({ data: { shopId: shop.shopId, kind: "COMPUTE", status: "RUNNING" } });
  await computeShop(db, shop.shopId, run.id, NOW);
});

afterAll(() => queues().close());

const savedAdminOrigin = process.env.SHOPIFY_ADMIN_ORIGIN;
afterEach(() => {
  if (savedAdminOrigin === undefined) delete process.env.SHOPIFY_ADMIN_ORIGIN;
  else process.env.SHOPIFY_ADMIN_ORIGIN = savedAdminOrigin;
});

async function customerOf(seeded: SeededShop, offset = 0n) {
  return db.customer.findUniqueOrThrow({
    where: { shopId_id: { shopId: seeded.shopId, id: seeded.firstCustomerId + offset } },
    include: { score: true },
  });
}

describe("GET /api/customer-block", () => {
  it("answers the block's session token with the customer's segments, scores and reasons", async () => {
    const customer = await customerOf(shop, 2n);
    const response = await fromBlock(shop.domain, gid(customer.shopifyId));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toContain("no-store");
    const body = (await response.json()) as CustomerBlock;

    const score = customer.score!;
    expect(body.appPath).toBe(`/app/customers/${customer.id}`);
    expect(body.currency).toBe("USD");
    expect(body.computedAt).toBe(score.computedAt.toISOString());
    expect(body.rfm).toEqual({
      r: score.r,
      f: score.f,
      m: score.m,
      segmentKey: score.rfmSegment,
      segment: RFM_SEGMENTS.find((s) => s.key === score.rfmSegment)!.name,
    });
    expect(body.pAlive).toBe(score.pAlive);
    expect(body.churnRisk).toBe(score.churnRisk);
    expect(body.clv).toBe(score.clv);
    expect(body.nextOrderAt).toBe(score.nextOrderAt?.toISOString() ?? null);
    expect(body.why).toBe(score.explanation);
    expect(body.why).toBeTruthy();

    // Every membership, by name, as the database holds them.
    const memberships = await db.membership.findMany({ where: { shopId: shop.shopId, customerId: customer.id } });
    expect(body.segments.map((s) => s.key).sort()).toEqual(memberships.map((m) => m.segmentKey).sort());
    const segments = await db.segment.findMany({ where: { shopId: shop.shopId } });
    for (const s of body.segments) expect(s.name).toBe(segments.find((g) => g.key === s.key)!.name);
    expect(body.segments.some((s) => s.key === score.rfmSegment)).toBe(true);

    // The reasons are the customer page's, the same read model.
    const page = await customerLoader({
      request: await setUpValidRequest(
        { type: RequestType.Bearer, store: shop.domain.replace(".myshopify.com", ""), apiKey, apiSecretKey },
        new Request(`${process.env.SHOPIFY_APP_URL}/app/customers/${customer.id}`),
      ),
      params: { id: customer.id.toString() },
      context: {},
    });
    expect(page.why!.mismatched).toEqual([]);
    expect(body.reasons).toEqual(
      page.why!.lines.map(({ score: s, label, value, because }) => ({ score: s, label, value, because })),
    );
    expect(body.reasons.map((r) => r.score)).toEqual(expect.arrayContaining(["pAlive", "clv", "nextOrder", "rfm"]));
    expect(body.notes).toEqual(page.why!.notes);
    // Nothing personal: the admin page already shows who the customer is.
    expect(JSON.stringify(body)).not.toContain(customer.email ?? "@");
  });

  it("is scoped to the token's shop: another shop's customer is not found, its own is", async () => {
    const mine = await customerOf(shop);
    const theirs = await customerOf(other);
    expect(mine.shopifyId).not.toBe(theirs.shopifyId);

    const crossed = await fromBlock(other.domain, gid(mine.shopifyId));
    expect(crossed.status).toBe(404);
    expect(await crossed.text()).not.toContain(mine.id.toString());
    // The block can read the 404 (it shows "no data yet"), from an allowed origin only.
    expect(crossed.headers.get("Access-Control-Allow-Origin")).toBe(EXTENSION_ORIGIN);

    const own = await fromBlock(other.domain, gid(theirs.shopifyId));
    expect(own.status).toBe(200);
    expect(((await own.json()) as CustomerBlock).appPath).toBe(`/app/customers/${theirs.id}`);
  });

  it("does not find malformed, missing or deleted customers", async () => {
    for (const id of [undefined, "", "123", "gid://shopify/Order/1", `gid://shopify/Customer/1 OR 1=1`])
      expect((await fromBlock(shop.domain, id)).status, String(id)).toBe(404);
    const gone = await customerOf(shop, 7n);
    await db.customer.update({
      where: { shopId_id: { shopId: shop.shopId, id: gone.id } },
      data: { deletedAt: NOW },
    });
    expect((await fromBlock(shop.domain, gid(gone.shopifyId))).status).toBe(404);
  });

  it("answers 401 without a session token or with a forged one, never a login redirect", async () => {
    const customer = await customerOf(shop);
    const anonymous = await call(new Request(url(gid(customer.shopifyId)), { headers: { Origin: EXTENSION_ORIGIN } }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("Location")).toBeNull();
    expect(anonymous.headers.get("Access-Control-Allow-Origin")).toBe(EXTENSION_ORIGIN);

    const { token } = await getJwt(shop.domain.replace(".myshopify.com", ""), apiKey, "not-the-app-secret");
    for (const authorization of [`Bearer ${token}`, "Bearer not-a-jwt", "Basic abc"]) {
      const forged = await call(
        new Request(url(gid(customer.shopifyId)), {
          headers: { Authorization: authorization, Origin: "https://attacker.example" },
        }),
      );
      expect(forged.status, authorization).toBe(401);
      expect(forged.headers.get("Location")).toBeNull();
      // The library's own CORS helper would say "*" here; the endpoint names no origin it does not allow.
      expect(forged.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    call(
      new Request(url(), {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization",
        },
      }),
    );

  it("lets Shopify's admin extension origins read the answer, by name", async () => {
    for (const origin of ["https://extensions.shopifycdn.com", "https://admin.shopify.com"]) {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/\bAuthorization\b/);
      expect(response.headers.get("Access-Control-Allow-Methods")).toContain("GET");
      expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
      expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
    }
    const customer = await customerOf(shop);
    const answer = await fromBlock(shop.domain, gid(customer.shopifyId), "https://admin.shopify.com");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Access-Control-Allow-Origin")).toBe("https://admin.shopify.com");
    expect(answer.headers.get("Vary")).toMatch(/\bOrigin\b/);
  });

  it("names no other origin, and never a wildcard", async () => {
    for (const origin of [
      "https://attacker.example",
      "https://extensions.shopifycdn.com.attacker.example",
      "http://extensions.shopifycdn.com",
      "null",
      process.env.SHOPIFY_APP_URL!,
    ]) {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
      expect(response.headers.get("Access-Control-Allow-Headers")).toBeNull();
      expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
    }
    // A foreign page with a stolen token still gets an answer it cannot read (the token is the
    // access check; CORS only keeps other sites' scripts from reading it).
    const customer = await customerOf(shop);
    const foreign = await fromBlock(shop.domain, gid(customer.shopifyId), "https://attacker.example");
    expect(foreign.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const none = await fromBlock(shop.domain, gid(customer.shopifyId), null);
    expect(none.status).toBe(200);
    expect(none.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("allows the emulated admin's origin only while SHOPIFY_ADMIN_ORIGIN names it", async () => {
    const emulated = "http://localhost:45123";
    expect((await preflight(emulated)).headers.get("Access-Control-Allow-Origin")).toBeNull();
    process.env.SHOPIFY_ADMIN_ORIGIN = `${emulated}/`;
    expect((await preflight(emulated)).headers.get("Access-Control-Allow-Origin")).toBe(emulated);
    expect((await preflight("https://extensions.shopifycdn.com")).headers.get("Access-Control-Allow-Origin")).toBe(
      "https://extensions.shopifycdn.com",
    );
  });
});
