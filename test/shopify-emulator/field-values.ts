// Value checks for typed fields, shared by metafields and metaobject fields: both store a
// string that must parse as the field's type, and references must name records of the shop.
import type { ShopStore } from "./store";

/** Reference types whose targets the emulator has, with the gid type and a lookup. */
const REFERENCES: Record<
  string,
  { gidType: string; label: string; exists: (store: ShopStore, id: number) => boolean }
> = {
  product_reference: { gidType: "Product", label: "product", exists: (store, id) => store.product(id) !== null },
  customer_reference: { gidType: "Customer", label: "customer", exists: (store, id) => store.customer(id) !== null },
  metaobject_reference: {
    gidType: "Metaobject",
    label: "metaobject",
    exists: (store, id) => store.metaobjects.has(id),
  },
};

/** Most items a list field holds. */
const MAX_LIST_ITEMS = 128;

/** Why `value` is not a valid `type` value in this shop, or null if it is. */
export function invalidValue(store: ShopStore, type: string, value: string): string | null {
  const fail = `Value is invalid for type ${type}`;
  if (type.startsWith("list.")) {
    const itemType = type.slice(5);
    let items: unknown;
    try {
      items = JSON.parse(value);
    } catch {
      return fail;
    }
    if (!Array.isArray(items)) return fail;
    if (items.length > MAX_LIST_ITEMS) return `Value has more than ${MAX_LIST_ITEMS} items`;
    for (const item of items) {
      // References are gid strings; other items are JSON scalars (numbers for number_integer…).
      if (typeof item !== "string" && itemType in REFERENCES) return fail;
      const problem = invalidScalar(store, itemType, typeof item === "string" ? item : JSON.stringify(item));
      if (problem) return problem;
    }
    return null;
  }
  return invalidScalar(store, type, value);
}

function invalidScalar(store: ShopStore, type: string, value: string): string | null {
  const fail = `Value is invalid for type ${type}`;
  const reference = REFERENCES[type];
  if (reference) {
    const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(value);
    if (!match || match[1] !== reference.gidType) return `Value require that you select a ${reference.label}.`;
    return reference.exists(store, Number(match[2])) ? null : `Value references non-existent resource ${value}.`;
  }
  switch (type) {
    case "single_line_text_field":
      return /[\r\n]/.test(value) ? "Value must be a single line of text" : null;
    case "number_integer":
      return /^-?\d+$/.test(value) ? null : fail;
    case "number_decimal":
      return /^-?\d+(\.\d+)?$/.test(value) ? null : fail;
    case "boolean":
      return value === "true" || value === "false" ? null : fail;
    case "date_time":
    case "date":
      return Number.isNaN(Date.parse(value)) ? fail : null;
    case "json":
      try {
        JSON.parse(value);
        return null;
      } catch {
        return fail;
      }
    default:
      return null;
  }
}

/** The parsed form of a stored value (`jsonValue` in GraphQL). */
export function jsonValueOf(type: string, value: string): unknown {
  if (type === "json" || type.startsWith("list.")) return JSON.parse(value);
  if (type === "boolean") return value === "true";
  if (type.startsWith("number_")) return Number(value);
  return value;
}
