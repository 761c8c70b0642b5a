import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOW_TRIGGER_RECEIVE } from "~/shopify/documents";
import { flowTriggersDocument } from "~/push/flow-triggers.server";
import { readFlowTriggers } from "./flow";
import { startEmulator, type Emulator } from "./server";
import { adminGraphQL, first, TEST_APP } from "./test-helpers";

// flowTriggerReceive as Flow answers it: checked against the app's declared trigger fields (the
// repo's extensions/*/shopify.extension.toml) and Flow's limits; accepted payloads are recorded.

const SHOP = "flow-test.myshopify.com";
const OTHER = "other-flow-test.myshopify.com";
let emu: Emulator;
let customerId: number;
let otherShopsCustomer: number;

type Answer = { flowTriggerReceive: { userErrors: { field: string[]; message: string }[] } };
const receive = (handle: string, payload: unknown, shop = SHOP) =>
  adminGraphQL<Answer>(emu, shop, FLOW_TRIGGER_RECEIVE, { handle, payload });
const entered = (overrides: Record<string, unknown> = {}) => ({
  customer_id: customerId,
  "Segment key": "rfm-champions",
  "Segment name": "Champions",
  "Segment kind": "rfm",
  Since: "2026-10-10T03:00:00.000Z",
  ...overrides,
});

beforeAll(async () => {
  emu = await startEmulator({ ...TEST_APP, appUrl: "http://127.0.0.1:9", subscriptions: {} });
  customerId = first(emu.addShop(SHOP, { customers: 20, seed: "flow" }).customers()).record.id;
  otherShopsCustomer = first(emu.addShop(OTHER, { customers: 20, seed: "flow-other" }).customers()).record.id;
});
afterAll(() => emu.close());

describe("Flow triggers in the emulator", () => {
  it("reads the app's three trigger extensions with their fields", () => {
    const triggers = readFlowTriggers(path.resolve(import.meta.dirname, "../.."));
    expect([...triggers.keys()].sort()).toEqual([
      "customer-churn-risk-changed",
      "customer-entered-segment",
      "customer-left-segment",
    ]);
    expect(triggers.get("customer-churn-risk-changed")!.fields).toEqual([
      { type: "customer_reference", key: null },
      { type: "single_line_text_field", key: "Previous level" },
      { type: "single_line_text_field", key: "New level" },
      { type: "number_decimal", key: "Probability active" },
      { type: "number_decimal", key: "Predicted CLV" },
      { type: "single_line_text_field", key: "Expected next order" },
    ]);
  });

  it("refuses a declaration Shopify's CLI would not deploy", () => {
    const root = mkdtempSync(path.join(tmpdir(), "flow-ext-"));
    const write = (toml: string) => {
      mkdirSync(path.join(root, "extensions/t"), { recursive: true });
      writeFileSync(path.join(root, "extensions/t/shopify.extension.toml"), toml);
    };
    const head = `[[extensions]]\nname = "T"\ntype = "flow_trigger"\nhandle = "t"\n\n[settings]\n\n[[settings.fields]]\n`;
    write(head + `type = "number_integer"\nkey = "Count"\n`);
    expect(() => readFlowTriggers(root)).toThrow(/number_integer is not supported/);
    write(head + `type = "single_line_text_field"\nkey = "segment_key"\n`);
    expect(() => readFlowTriggers(root)).toThrow(/letters and spaces/);
    write(head + `type = "customer_reference"\n`);
    expect([...readFlowTriggers(root).keys()]).toEqual(["t"]);
  });

  it("accepts a payload with every declared field and records it", async () => {
    const answer = await receive("customer-entered-segment", entered());
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.flowTriggerReceive.userErrors).toEqual([]);
    expect(emu.shop(SHOP).flowTriggersReceived.at(-1)).toMatchObject({
      handle: "customer-entered-segment",
      payload: entered(),
    });
  });

  it("answers userErrors and records nothing for an unknown handle, a bad or oversized payload, a missing or foreign customer", async () => {
    const count = emu.shop(SHOP).flowTriggersReceived.length;
    const errors = async (handle: string, payload: unknown) =>
      (await receive(handle, payload)).data!.flowTriggerReceive.userErrors;
    expect(await errors("customer-joined-segment", entered())).toEqual([
      { field: ["handle"], message: "Trigger with handle 'customer-joined-segment' not found" },
    ]);
    expect((await errors("customer-entered-segment", entered({ Since: undefined })))[0]).toEqual({
      field: ["payload", "Since"],
      message: "'Since' is required",
    });
    expect((await errors("customer-entered-segment", entered({ extra: 1 })))[0].field).toEqual(["payload", "extra"]);
    expect(await errors("customer-churn-risk-changed", { customer_id: customerId })).toHaveLength(5);
    expect(
      (await errors("customer-entered-segment", entered({ "Segment name": "x".repeat(50_000) })))[0].message,
    ).toMatch(/must be under 50000 bytes/);
    expect((await errors("customer-entered-segment", entered({ customer_id: 999_999_999 })))[0]).toEqual({
      field: ["payload", "customer_id"],
      message: "Customer 999999999 does not exist",
    });
    expect((await errors("customer-entered-segment", entered({ customer_id: otherShopsCustomer })))[0].message).toBe(
      `Customer ${otherShopsCustomer} does not exist`,
    );
    expect(emu.shop(SHOP).flowTriggersReceived).toHaveLength(count);
  });

  it("validates the app's batched document against the schema and answers each alias", async () => {
    const document = flowTriggersDocument(3);
    const answer = await adminGraphQL<Record<string, { userErrors: unknown[] }>>(emu, SHOP, document, {
      h0: "customer-entered-segment",
      p0: entered(),
      h1: "customer-entered-segment",
      p1: entered({ customer_id: 1 }),
      h2: "customer-left-segment",
      p2: { ...entered(), "Left at": "2026-10-11T03:00:00.000Z" },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.t0.userErrors).toEqual([]);
    expect(answer.data!.t1.userErrors).toHaveLength(1);
    expect(answer.data!.t2.userErrors).toEqual([]);
    const misspelled = await adminGraphQL(emu, SHOP, document.replace("userErrors", "userError"), {});
    expect(misspelled.errors?.length).toBeGreaterThan(0);
  });
});
