import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { queues } from "~/queues.server";
import { computeShop } from "~/compute/compute-shop.server";
import { loader as segmentLoader } from "~/routes/app.segments.$key";
import { loader as resultsLoader } from "~/routes/app.results";
import { seedShopOrders } from "../helpers/seed-orders";
import { uniqueShopDomain } from "../helpers/shops";
import { seedMeasuredLiftShop } from "../helpers/measured-lift-shop";

// The lift card and the Results page read what the compute stored, scoped by the session's shop.

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
const DAY = 86_400_000;
const T0 = new Date("2026-08-01T00:00:00Z");

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;

async function call<T>(handler: Handler, shop: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`),
  );
  try {
    return (await handler({ request, params, context: {} })) as T;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown as T;
    throw thrown;
  }
}

async function installed(controlShare: number) {
  const domain = uniqueShopDomain("lift");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  const seeded = await seedShopOrders(domain, { customers: 1_200, now: T0 });
  await db.shop.update({ where: { id: seeded.shopId }, data: { settings: { controlShare } } });
  return { domain, shopId: seeded.shopId };
}

async function compute(shopId: number, asOf: Date) {
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", trigger: "test", status: "SUCCEEDED" } });
  await computeShop(db, shopId, run.id, asOf);
}

type SegmentData = Awaited<ReturnType<typeof segmentLoader>>;
type ResultsData = Awaited<ReturnType<typeof resultsLoader>>;

let measured: { domain: string; shopId: number };
let treatedKey: string;

beforeAll(async () => {
  const domain = uniqueShopDomain("lift");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  const lift = await seedMeasuredLiftShop(domain, { t0: T0, controlShare: 0.3, seed: "lift-loaders" });
  measured = { domain, shopId: lift.shopId };
  treatedKey = lift.treatedKey;
});

afterAll(() => queues().close());

describe("lift in the admin", () => {
  it("the segment page shows the newest run's lift per window with its sentence", async () => {
    const data = await call<SegmentData>(segmentLoader, measured.domain, `/app/segments/${treatedKey}`, {
      key: treatedKey,
    });
    expect(data.lift.controlShare).toBe(0.3);
    expect(data.lift.asOf).toBe(new Date(T0.getTime() + 95 * DAY).toISOString());
    expect(data.lift.windows.map((w) => w.windowDays)).toEqual([30, 60, 90]);
    for (const w of data.lift.windows) {
      expect(w.sufficient).toBe(true);
      expect(w.control).toBeGreaterThanOrEqual(30);
      expect(w.revenueLow!).toBeGreaterThan(0);
      expect(w.revenueLow!).toBeLessThanOrEqual(w.revenueLift!);
      expect(w.revenuePerCustomer.treated).toBeGreaterThan(w.revenuePerCustomer.control);
      expect(w.sentence).toMatch(new RegExp(`^In the ${w.windowDays} days after joining, members spent \\d+ % more`));
    }
  });

  it("the Results page ranks the shop's segments with a control group by lift, per window", async () => {
    const data = await call<ResultsData>(resultsLoader, measured.domain, "/app/results");
    expect(data.results.windowDays).toBe(90);
    const rows = data.results.segments;
    expect(rows.map((r) => r.key)).toContain(treatedKey);
    // Measured segments first, by lift (highest first); then those still waiting.
    const measuredRows = rows.filter((r) => r.sufficient);
    expect(measuredRows.length).toBeGreaterThan(0);
    expect(rows.slice(0, measuredRows.length).every((r) => r.sufficient)).toBe(true);
    const lifts = measuredRows.map((r) => r.revenueLift!);
    expect(lifts).toEqual([...lifts].sort((a, b) => b - a));
    expect(rows.find((r) => r.key === treatedKey)!.revenueLift!).toBeGreaterThan(0);
    for (const r of rows.filter((row) => !row.sufficient)) expect(r.revenueLift).toBeNull();

    const thirty = await call<ResultsData>(resultsLoader, measured.domain, "/app/results?window=30");
    expect(thirty.results.windowDays).toBe(30);
    expect(thirty.results.segments.every((r) => r.windowDays === 30)).toBe(true);
    const bogus = await call<ResultsData>(resultsLoader, measured.domain, "/app/results?window=7");
    expect(bogus.results.windowDays).toBe(90);
  });

  it("another shop sees none of it; without a control share nothing is stored and the card says why", async () => {
    const other = await installed(0);
    await compute(other.shopId, T0);
    expect(await db.segmentLift.count({ where: { shopId: other.shopId } })).toBe(0);
    const results = await call<ResultsData>(resultsLoader, other.domain, "/app/results");
    expect(results.results.segments).toEqual([]);
    expect(results.results.controlShare).toBe(0);
    const page = await call<SegmentData>(segmentLoader, other.domain, `/app/segments/${treatedKey}`, {
      key: treatedKey,
    });
    expect(page.lift.windows).toEqual([]);
    expect(page.lift.asOf).toBeNull();
  });
});
