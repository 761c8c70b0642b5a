// Shopify Flow's side of `flowTriggerReceive`: the app's trigger extensions (read from
// `extensions/*/shopify.extension.toml` with `type = "flow_trigger"`), the checks Flow makes on a
// payload against the trigger's declared fields and limits, and a log of what it accepted.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseToml } from "./app-config";
import type { ShopStore } from "./store";

/** A trigger field as declared in the extension's toml (`[[settings.fields]]`). */
export interface FlowTriggerField {
  type: string;
  /** Custom fields: the payload key (letters and spaces). Reference fields have none. */
  key: string | null;
}

export interface FlowTriggerDefinition {
  handle: string;
  name: string;
  fields: FlowTriggerField[];
}

export interface ReceivedFlowTrigger {
  handle: string;
  payload: Record<string, unknown>;
  receivedAt: number;
}

/** Payloads must be under 50,000 bytes (Flow trigger reference, "Mutation API reference"). */
export const MAX_FLOW_PAYLOAD_BYTES = 50_000;
/** Field types a trigger may declare (Shopify CLI's flow trigger specification). */
const CUSTOM_TYPES = new Set(["boolean", "email", "single_line_text_field", "url", "number_decimal"]);
const REFERENCE_TYPES = new Set([
  "customer_reference",
  "order_reference",
  "product_reference",
  "company_reference",
  "company_contact_reference",
]);
const HANDLE = /^[a-z0-9-]{1,30}$/i;
const KEY = /^[A-Za-z\s]+$/;

/** The app's Flow triggers; throws on a declaration Shopify's CLI would refuse to deploy. */
export function readFlowTriggers(appRoot: string): Map<string, FlowTriggerDefinition> {
  const triggers = new Map<string, FlowTriggerDefinition>();
  const dir = path.join(appRoot, "extensions");
  if (!existsSync(dir)) return triggers;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const toml = parseToml(readFileSync(file, "utf8"));
    const extensions = (Array.isArray(toml.extensions) ? toml.extensions : []) as Record<string, unknown>[];
    for (const extension of extensions) {
      if (extension.type !== "flow_trigger") continue;
      const definition = flowTriggerDefinition(extension, toml.settings, file);
      if (triggers.has(definition.handle)) throw new Error(`${file}: duplicate trigger handle ${definition.handle}`);
      triggers.set(definition.handle, definition);
    }
  }
  return triggers;
}

function flowTriggerDefinition(extension: Record<string, unknown>, settings: unknown, file: string) {
  const { handle, name } = extension;
  if (typeof handle !== "string" || !HANDLE.test(handle))
    throw new Error(`${file}: handle must be 1–30 letters, digits or hyphens`);
  if (typeof name !== "string" || !name) throw new Error(`${file}: name is required`);
  const rawFields = ((settings as { fields?: unknown } | undefined)?.fields ?? []) as Record<string, unknown>[];
  const fields = rawFields.map((field, index): FlowTriggerField => {
    const type = String(field.type);
    if (REFERENCE_TYPES.has(type)) {
      if (field.key !== undefined) throw new Error(`${file}: field ${index} (${type}) takes no key`);
      return { type, key: null };
    }
    if (!CUSTOM_TYPES.has(type)) throw new Error(`${file}: field type ${type} is not supported on Flow triggers`);
    if (typeof field.key !== "string" || !KEY.test(field.key))
      throw new Error(`${file}: field ${index} needs a key of letters and spaces only`);
    return { type, key: field.key };
  });
  return { handle, name, fields };
}

/** The payload key Flow expects for a field: `<object>_id` for references, else the field's key. */
export function payloadKey(field: FlowTriggerField): string {
  return field.key ?? `${field.type.replace(/_reference$/, "")}_id`;
}

type UserError = { field: string[]; message: string };

/**
 * What Flow answers to one `flowTriggerReceive`: userErrors when the handle is unknown, the
 * payload too large, a declared field missing or of the wrong type, an undeclared key present,
 * or the referenced customer not in this shop; otherwise the payload is recorded as received.
 */
export function receiveFlowTrigger(
  store: ShopStore,
  triggers: Map<string, FlowTriggerDefinition>,
  handle: string | null | undefined,
  payload: unknown,
): { userErrors: UserError[] } {
  const trigger = handle ? triggers.get(handle) : undefined;
  if (!trigger) return { userErrors: [{ field: ["handle"], message: `Trigger with handle '${handle}' not found` }] };
  if (!payload || typeof payload !== "object" || Array.isArray(payload))
    return { userErrors: [{ field: ["payload"], message: "Payload must be a JSON object" }] };
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes >= MAX_FLOW_PAYLOAD_BYTES)
    return {
      userErrors: [
        { field: ["payload"], message: `Payload is ${bytes} bytes; it must be under ${MAX_FLOW_PAYLOAD_BYTES} bytes` },
      ],
    };
  const values = payload as Record<string, unknown>;
  const errors: UserError[] = [];
  const declared = new Set(trigger.fields.map(payloadKey));
  for (const key of Object.keys(values))
    if (!declared.has(key))
      errors.push({ field: ["payload", key], message: `'${key}' is not a field of this trigger` });
  for (const field of trigger.fields) {
    const key = payloadKey(field);
    const value = values[key];
    if (value === undefined || value === null) {
      errors.push({ field: ["payload", key], message: `'${key}' is required` });
      continue;
    }
    const problem = fieldProblem(store, field, value);
    if (problem) errors.push({ field: ["payload", key], message: problem });
  }
  if (errors.length === 0)
    store.flowTriggersReceived.push({ handle: trigger.handle, payload: values, receivedAt: store.clock() });
  return { userErrors: errors };
}

function fieldProblem(store: ShopStore, field: FlowTriggerField, value: unknown): string | null {
  switch (field.type) {
    case "customer_reference": {
      const id = typeof value === "number" || typeof value === "string" ? Number(value) : NaN;
      if (!Number.isSafeInteger(id) || id <= 0) return "customer_id must be a numeric customer id";
      return store.customer(id) ? null : `Customer ${id} does not exist`;
    }
    case "number_decimal":
      return typeof value === "number" && Number.isFinite(value) ? null : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "email":
    case "url":
    case "single_line_text_field":
      return typeof value === "string" && !value.includes("\n") ? null : "must be a single line of text";
    default:
      return `references of type ${field.type} are not emulated`;
  }
}
