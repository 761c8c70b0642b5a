import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import db from "~/db.server";
import { sessionStorage } from "~/shopify.server";
import { action as segmentsAction } from "~/routes/app.segments._index";
import { action as segmentAction, loader as segmentLoader } from "~/routes/app.segments.$key";
import { loader as customerLoader } from "~/routes/app.customers.$id";
import { loader as exportLoader } from "~/routes/app.export.$segment";
import { loader as kpiExportLoader } from "~/routes/app.export-kpis.$segment";
import { action as ruleAction, loader as ruleLoader } from "~/routes/app.rules.$key";
import { queues } from "~/queues.server";
import { seedAnalysedShop, type SeededShop } from "../helpers/seed-analysis";
import { uniqueShopDomain } from "../helpers/shops";

// Two installed shops; shop B's ids and keys through shop A's session: every route that reads or
// changes a segment, a rule or a customer by key or id answers 404 and neither shows nor changes
// B's data. (test/ui/loaders.test.ts covers the customer page, the segment and rule pages and
// rule deletion; this file the rest: exports, the segment actions, saving a rule.)

const apiKey = process.env.SHOPIFY_API_KEY!;
const apiSecretKey = process.env.SHOPIFY_API_SECRET!;
const NOW = new Date("2026-11-01T00:00:00Z");

type Handler = (args: LoaderFunctionArgs) => Promise<unknown>;

async function installedShop(customers: number): Promise<SeededShop> {
  const domain = uniqueShopDomain("cross");
  await sessionStorage.storeSession(setUpValidSession({ shop: domain, expires: undefined, scope: process.env.SCOPES }));
  return seedAnalysedShop(domain, customers, NOW);
}

async function call(
  handler: Handler,
  shop: string,
  path: string,
  params: Record<string, string>,
  form?: Record<string, string>,
) {
  const init: RequestInit = form ? { method: "POST", body: new URLSearchParams(form) } : {};
  const request = await setUpValidRequest(
    { type: RequestType.Bearer, store: shop.replace(".myshopify.com", ""), apiKey, apiSecretKey },
    new Request(`${process.env.SHOPIFY_APP_URL}${path}`, init),
  );
  try {
    return await handler({ request, params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const statusOf = (value: unknown) => (value instanceof Response ? value.status : 200);
const rule = { all: [{ field: "clv", op: ">", value: 1 }] };

let a: SeededShop;
let b: SeededShop;
beforeAll(async () => {
  [a, b] = await Promise.all([installedShop(5), installedShop(5)]);
  await db.segment.create({
    data: { shopId: b.shopId, key: "rule-b-only", kind: "RULE", name: "B only", definition: { rule } },
  });
  await db.membership.create({ data: { shopId: b.shopId, customerId: b.firstCustomerId, segmentKey: "rule-b-only" } });
});
afterAll(() => queues().close());

describe("shop B's keys and ids through shop A's session", () => {
  it("the members' CSV export answers 404 with no rows of B", async () => {
    const response = await call(exportLoader, a.domain, "/app/export/rule-b-only", { segment: "rule-b-only" });
    expect(statusOf(response)).toBe(404);
    expect(await (response as Response).text()).not.toContain("@example.com");
    // A key both shops have exports A's members only.
    const own = (await call(exportLoader, a.domain, "/app/export/rfm-champions", {
      segment: "rfm-champions",
    })) as Response;
    const ids = new Set(
      (await db.customer.findMany({ where: { shopId: b.shopId }, select: { shopifyId: true } })).map((c) =>
        c.shopifyId.toString(),
      ),
    );
    const text = await own.text();
    for (const id of ids) expect(text).not.toContain(id);
  });

  it("the KPI export and the segment page answer 404", async () => {
    expect(
      statusOf(await call(kpiExportLoader, a.domain, "/app/export-kpis/rule-b-only", { segment: "rule-b-only" })),
    ).toBe(404);
    expect(statusOf(await call(segmentLoader, a.domain, "/app/segments/rule-b-only", { key: "rule-b-only" }))).toBe(
      404,
    );
    expect(statusOf(await call(ruleLoader, a.domain, "/app/rules/rule-b-only", { key: "rule-b-only" }))).toBe(404);
  });

  it("the customer page answers 404 for B's customer id, never B's data", async () => {
    const id = b.firstCustomerId.toString();
    const response = await call(customerLoader, a.domain, `/app/customers/${id}`, { id });
    expect(statusOf(response)).toBe(404);
    expect(await (response as Response).text()).not.toContain("customer1@example.com");
  });

  it("turning B's segment off or its Flow triggers on answers 404 and changes nothing of B", async () => {
    const form = { key: "rule-b-only", enabled: "false" };
    expect(statusOf(await call(segmentsAction, a.domain, "/app/segments", {}, form))).toBe(404);
    expect(
      statusOf(
        await call(
          segmentAction,
          a.domain,
          "/app/segments/rule-b-only",
          { key: "rule-b-only" },
          { intent: "flow", on: "true" },
        ),
      ),
    ).toBe(404);
    const theirs = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: b.shopId, key: "rule-b-only" } },
    });
    expect(theirs.enabled).toBe(true);
    expect(theirs.flowTriggersAfterEventId).toBeNull();
  });

  it("saving over B's rule key answers 404 and leaves B's rule as it was", async () => {
    const changed = { all: [{ field: "clv", op: ">", value: 999 }] };
    const response = await call(
      ruleAction,
      a.domain,
      "/app/rules/rule-b-only",
      { key: "rule-b-only" },
      { intent: "save", name: "Hijacked", rule: JSON.stringify(changed) },
    );
    expect(statusOf(response)).toBe(404);
    const theirs = await db.segment.findUniqueOrThrow({
      where: { shopId_key: { shopId: b.shopId, key: "rule-b-only" } },
    });
    expect(theirs.name).toBe("B only");
    expect(theirs.definition).toEqual({ rule });
    expect(await db.segment.count({ where: { shopId: a.shopId, key: "rule-b-only" } })).toBe(0);
  });
});
