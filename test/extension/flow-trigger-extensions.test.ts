// The Flow trigger extensions as Shopify's CLI deploys them (extensions/*/shopify.extension.toml
// with type "flow_trigger"), named by Shopify's convention, and the push job's payloads carrying
// exactly their declared fields.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FLOW_TRIGGERS, flowPayload } from "~/push/flow-triggers.server";
import { parseToml } from "../shopify-emulator/app-config";
import { payloadKey, readFlowTriggers } from "../shopify-emulator/flow";

const ROOT = path.resolve(import.meta.dirname, "../..");
const triggers = readFlowTriggers(ROOT);

const candidate = {
  eventId: 1n,
  customerId: 7n,
  shopifyId: 1234567n,
  deleted: false,
  segmentKey: "churn-risk-high",
  segmentName: "High churn risk",
  kind: "PREDICTIVE",
  at: new Date("2026-10-11T03:00:00Z"),
  control: false,
  since: new Date("2026-09-01T03:00:00Z"),
  entryControl: false,
  previousKey: "churn-risk-low",
  pAlive: 0.123456,
  clv: 98.765,
  nextOrderAt: new Date("2026-12-01T02:00:00Z"),
};

describe("Flow trigger extensions", () => {
  it("declares the three triggers the push job sends, each in its own extension", () => {
    expect([...triggers.keys()].sort()).toEqual(Object.values(FLOW_TRIGGERS).sort());
    for (const handle of triggers.keys()) {
      const toml = parseToml(readFileSync(path.join(ROOT, "extensions", handle, "shopify.extension.toml"), "utf8"));
      const [extension] = toml.extensions as Record<string, unknown>[];
      expect(extension.type).toBe("flow_trigger");
      expect(String(extension.description ?? "").length).toBeGreaterThan(0);
      for (const field of (toml.settings as { fields: Record<string, unknown>[] }).fields)
        if (field.type !== "customer_reference")
          expect(String(field.description ?? ""), `${handle} ${String(field.key)}`).not.toBe("");
    }
  });

  it("follows Shopify's naming: object + past-tense verb, sentence case, no punctuation", () => {
    for (const { name, handle } of triggers.values()) {
      expect(name, handle).toMatch(/^Customer [a-z ]+ (entered|left|changed)$|^Customer (entered|left) segment$/);
      expect(name).not.toMatch(/[^\w ]/);
      expect(handle.length).toBeLessThanOrEqual(30);
    }
  });

  it("carries the customer as a reference, so Flow and marketing automations can act on them", () => {
    for (const trigger of triggers.values())
      expect(trigger.fields.filter((f) => f.type === "customer_reference")).toHaveLength(1);
  });

  it("has payloads with exactly the declared keys, of the declared types", () => {
    const payloads = {
      [FLOW_TRIGGERS.entered]: flowPayload({ ...candidate, trigger: FLOW_TRIGGERS.entered, entered: true }, "UTC"),
      [FLOW_TRIGGERS.left]: flowPayload({ ...candidate, trigger: FLOW_TRIGGERS.left, entered: false }, "UTC"),
      [FLOW_TRIGGERS.churnRiskChanged]: flowPayload(
        { ...candidate, trigger: FLOW_TRIGGERS.churnRiskChanged, entered: true },
        "America/New_York",
      ),
    };
    for (const [handle, payload] of Object.entries(payloads)) {
      const fields = triggers.get(handle)!.fields;
      expect(Object.keys(payload).sort(), handle).toEqual(fields.map(payloadKey).sort());
      for (const field of fields) {
        const value = payload[payloadKey(field)];
        if (field.type === "number_decimal") expect(typeof value).toBe("number");
        else if (field.type === "customer_reference") expect(value).toBe(1234567);
        else expect(typeof value).toBe("string");
      }
    }
    expect(payloads[FLOW_TRIGGERS.churnRiskChanged]).toEqual({
      customer_id: 1234567,
      "Previous level": "low",
      "New level": "high",
      "Probability active": 0.1235,
      "Predicted CLV": 98.77,
      "Expected next order": "2026-11-30",
    });
    expect(payloads[FLOW_TRIGGERS.left]).toMatchObject({
      Since: "2026-09-01T03:00:00.000Z",
      "Left at": "2026-10-11T03:00:00.000Z",
    });
  });
});
