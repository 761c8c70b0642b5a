import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./server";
import { signWebhook } from "./webhooks";
import { adminGraphQL, startWebhookReceiver, TEST_APP } from "./test-helpers";

const SHOP = "bulk-test.myshopify.com";
let emu: Emulator;
let app: Awaited<ReturnType<typeof startWebhookReceiver>>;

const RUN_QUERY = `mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }`;
const POLL = `query($id: ID!) { bulkOperation(id: $id) { id status objectCount rootObjectCount url errorCode } }`;

interface BulkStatus {
  bulkOperation: { id: string; status: string; objectCount: string; rootObjectCount: string; url: string | null };
}

beforeAll(async () => {
  app = await startWebhookReceiver();
  emu = await startEmulator({
    ...TEST_APP,
    appUrl: app.url,
    subscriptions: { "bulk_operations/finish": "/webhooks/bulk" },
  });
  emu.addShop(SHOP, { customers: 400, seed: "bulk", plan: "plus" });
});
afterAll(async () => {
  await emu.close();
  await app.close();
});

async function startBulk(query: string): Promise<string> {
  const started = await adminGraphQL<{
    bulkOperationRunQuery: { bulkOperation: { id: string; status: string }; userErrors: unknown[] };
  }>(emu, SHOP, RUN_QUERY, { q: query });
  expect(started.data!.bulkOperationRunQuery.userErrors).toEqual([]);
  expect(started.data!.bulkOperationRunQuery.bulkOperation.status).toBe("CREATED");
  return started.data!.bulkOperationRunQuery.bulkOperation.id;
}

describe("bulk operations", () => {
  it("exports orders with line items as ungrouped JSONL with __parentId, counts and a finish webhook", async () => {
    emu.faults.bulk.finishDelayMs = 150;
    const id = await startBulk(
      `{ orders { edges { node { id processedAt customer { id } currentTotalPriceSet { shopMoney { amount } } lineItems { edges { node { id quantity product { id productType } } } } } } } }`,
    );

    const statuses = new Set<string>();
    let status: BulkStatus["bulkOperation"];
    do {
      status = (await adminGraphQL<BulkStatus>(emu, SHOP, POLL, { id })).data!.bulkOperation;
      statuses.add(status.status);
    } while (status.status !== "COMPLETED");
    emu.faults.bulk.finishDelayMs = 0;
    expect(statuses.has("RUNNING")).toBe(true);

    const rows = (await (await fetch(status.url!)).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; __parentId?: string });
    const store = emu.shop(SHOP);
    const orders = [...store.orders()].map((o) => o.order);
    const lineItemCount = orders.reduce((sum, o) => sum + o.lineItems.length, 0);
    expect(rows.filter((r) => r.id.includes("/Order/"))).toHaveLength(orders.length);
    expect(rows.filter((r) => r.__parentId)).toHaveLength(lineItemCount);
    expect(Number(status.objectCount)).toBe(orders.length + lineItemCount);
    expect(Number(status.rootObjectCount)).toBe(orders.length);

    // Each child follows its parent, and points at it.
    let parent = "";
    for (const row of rows) {
      if (row.__parentId) expect(row.__parentId).toBe(parent);
      else parent = row.id;
    }
    const first = orders[0];
    expect(rows[0]).toMatchObject({
      id: `gid://shopify/Order/${first.id}`,
      currentTotalPriceSet: { shopMoney: { amount: expect.stringMatching(/^\d+\.\d\d$/) } },
    });

    await emu.idle();
    const finish = app.received.find((r) => JSON.parse(r.body).admin_graphql_api_id === id)!;
    expect(finish.headers["x-shopify-topic"]).toBe("bulk_operations/finish");
    expect(JSON.parse(finish.body)).toMatchObject({ status: "completed", type: "query", error_code: null });
    expect(finish.headers["x-shopify-hmac-sha256"]).toBe(signWebhook(finish.body, TEST_APP.apiSecret));
  });

  it("fails an operation on request, with its error code in the status and the finish webhook", async () => {
    emu.faults.bulk.failNext.push("INTERNAL_SERVER_ERROR");
    const id = await startBulk(`{ customers { edges { node { id } } } }`);
    await emu.idle();
    const status = (
      await adminGraphQL<{ bulkOperation: { status: string; errorCode: string; url: string | null } }>(
        emu,
        SHOP,
        POLL,
        { id },
      )
    ).data!.bulkOperation;
    expect(status).toMatchObject({ status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", url: null });
    const finish = app.received.find((r) => JSON.parse(r.body).admin_graphql_api_id === id)!;
    expect(JSON.parse(finish.body)).toMatchObject({ status: "failed", error_code: "internal_server_error" });
  });

  it("rejects a sixth concurrent bulk query and invalid bulk documents with userErrors", async () => {
    emu.faults.bulk.startDelayMs = 300;
    for (let i = 0; i < 5; i++) await startBulk(`{ customers { edges { node { id } } } }`);
    const sixth = await adminGraphQL<{
      bulkOperationRunQuery: { bulkOperation: null; userErrors: { code: string }[] };
    }>(emu, SHOP, RUN_QUERY, { q: `{ customers { edges { node { id } } } }` });
    expect(sixth.data!.bulkOperationRunQuery.bulkOperation).toBeNull();
    expect(sixth.data!.bulkOperationRunQuery.userErrors[0].code).toBe("LIMIT_REACHED");
    emu.faults.bulk.startDelayMs = 0;
    await emu.idle();

    const misspelled = await adminGraphQL<{ bulkOperationRunQuery: { userErrors: { message: string }[] } }>(
      emu,
      SHOP,
      RUN_QUERY,
      { q: `{ customers { edges { node { id emial } } } }` },
    );
    expect(misspelled.data!.bulkOperationRunQuery.userErrors[0].message).toContain(
      "Field 'emial' doesn't exist on type 'Customer'",
    );
    const noConnection = await adminGraphQL<{ bulkOperationRunQuery: { userErrors: { code: string }[] } }>(
      emu,
      SHOP,
      RUN_QUERY,
      { q: `{ shop { id } }` },
    );
    expect(noConnection.data!.bulkOperationRunQuery.userErrors[0].code).toBe("INVALID");
  });

  it("runs a bulk mutation from a staged JSONL upload, one result line per input line", async () => {
    const customers = [...emu.shop(SHOP).customers()].slice(0, 30).map((c) => c.record);
    const staged = await adminGraphQL<{
      stagedUploadsCreate: { stagedTargets: { url: string; parameters: { name: string; value: string }[] }[] };
    }>(
      emu,
      SHOP,
      `mutation { stagedUploadsCreate(input: [{ resource: BULK_MUTATION_VARIABLES, filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: POST }]) { stagedTargets { url resourceUrl parameters { name value } } userErrors { message } } }`,
    );
    const target = staged.data!.stagedUploadsCreate.stagedTargets[0];
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.value);
    const jsonl = customers
      .map((c) => JSON.stringify({ id: `gid://shopify/Customer/${c.id}`, tags: ["seg:bulk"] }))
      .join("\n");
    form.append("file", new Blob([jsonl], { type: "text/jsonl" }), "tags.jsonl");
    const upload = await fetch(target.url, { method: "POST", body: form });
    expect(upload.status).toBe(201);

    const forged = new FormData();
    forged.append("key", "tmp/forged.jsonl");
    forged.append("file", new Blob(["{}"]), "x.jsonl");
    expect((await fetch(target.url, { method: "POST", body: forged })).status).toBe(403);

    const key = target.parameters.find((p) => p.name === "key")!.value;
    const run = await adminGraphQL<{
      bulkOperationRunMutation: { bulkOperation: { id: string }; userErrors: unknown[] };
    }>(
      emu,
      SHOP,
      `mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $path) { bulkOperation { id status } userErrors { message code } } }`,
      {
        m: `mutation tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { message } } }`,
        path: key,
      },
    );
    expect(run.data!.bulkOperationRunMutation.userErrors).toEqual([]);
    await emu.idle();
    const done = (
      await adminGraphQL<BulkStatus>(emu, SHOP, POLL, { id: run.data!.bulkOperationRunMutation.bulkOperation.id })
    ).data!.bulkOperation;
    expect(done.status).toBe("COMPLETED");
    const results = (await (await fetch(done.url!)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { __lineNumber: number; data: { tagsAdd: { userErrors: unknown[] } } });
    expect(results.map((r) => r.__lineNumber)).toEqual(customers.map((_, i) => i));
    expect(results.every((r) => r.data.tagsAdd.userErrors.length === 0)).toBe(true);
    for (const c of customers) expect(emu.shop(SHOP).customer(c.id)!.record.tags).toContain("seg:bulk");
  });

  it("filters a bulk query with Shopify's search syntax: orders and customers updated since an instant", async () => {
    const store = emu.shop(SHOP);
    // Changes from now on get updated_at ≥ this second; the generated history is older.
    const since = Math.floor(store.clock() / 1000) * 1000;
    const customer = [...store.customers()].find((c) => c.orders.length > 0)!.record;
    const created = store.createOrder({ customerId: customer.id });
    const older = [...store.orders()].map((o) => o.order).find((o) => o.updatedAt < since && o.id !== created.id)!;
    const refunded = store.refundOrder(older.id, { amountCents: 100 });
    expect(refunded.createdAt).toBeGreaterThanOrEqual(since);
    const iso = new Date(since).toISOString();
    const exported = async (query: string) => {
      const id = await startBulk(query);
      let status: BulkStatus["bulkOperation"];
      do status = (await adminGraphQL<BulkStatus>(emu, SHOP, POLL, { id })).data!.bulkOperation;
      while (status.status !== "COMPLETED");
      const lines = (await (await fetch(status.url!)).text()).split("\n").filter(Boolean);
      return lines.map((line) => (JSON.parse(line) as { id: string }).id);
    };
    const orders = await exported(`{ orders(query: "updated_at:>='${iso}'") { edges { node { id updatedAt } } } }`);
    expect(orders.sort()).toEqual([`gid://shopify/Order/${older.id}`, `gid://shopify/Order/${created.id}`].sort());
    // The same instant with another UTC offset, unquoted, and the strict comparison.
    const offset = new Date(since - 4 * 3_600_000).toISOString().replace(".000Z", "-04:00");
    expect((await exported(`{ orders(query: "updated_at:>=${offset}") { edges { node { id } } } }`)).sort()).toEqual(
      orders.sort(),
    );
    expect(
      await exported(
        `{ orders(query: "updated_at:>'${new Date(store.order(older.id)!.updatedAt).toISOString()}'") { edges { node { id } } } }`,
      ),
    ).not.toContain(`gid://shopify/Order/${older.id}`);
    // An order touches its customer's updated_at, so an incremental customer export finds them.
    expect(await exported(`{ customers(query: "updated_at:>='${iso}'") { edges { node { id } } } }`)).toContain(
      `gid://shopify/Customer/${customer.id}`,
    );
  });
});
