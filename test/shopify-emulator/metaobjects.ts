// metaobjectUpsert and metaobjectDelete over the store. Definitions are the app-owned ones from
// shopify.app.toml (`[metaobjects.app.<name>]`, type `$app:<name>`); every value is checked
// against its field's type, unknown keys and missing required fields are userErrors, and
// nothing is written unless the whole input is valid.
import { GraphQLError } from "graphql";
import { invalidValue } from "./field-values";
import { newObjectId, type MetaobjectRecord } from "./store";
import { gid, metaobjectView, parseGid, resolveMetaobjectType, type View, type ViewContext } from "./views";

export interface MetaobjectUserError {
  field: string[] | null;
  message: string;
  code: string;
  elementKey: string | null;
  elementIndex: number | null;
}

export interface MetaobjectUpsertArgs {
  handle: { type: string; handle: string };
  metaobject?: {
    fields?: { key: string; value: string }[] | null;
    handle?: string | null;
    capabilities?: unknown;
  } | null;
  /** Full replacement keyed by field key (omitted keys are cleared); exclusive with `metaobject`. */
  values?: unknown;
}

const MAX_HANDLE_LENGTH = 255;

function userError(
  field: string[] | null,
  message: string,
  code: string,
  elementKey: string | null = null,
): MetaobjectUserError {
  return { field, message, code, elementKey, elementIndex: null };
}

function handleError(field: string[], handle: string): MetaobjectUserError | null {
  if (!handle.trim()) return userError(field, "Handle can't be blank", "BLANK");
  if (handle.length > MAX_HANDLE_LENGTH)
    return userError(field, `Handle is too long (maximum is ${MAX_HANDLE_LENGTH} characters)`, "TOO_LONG");
  return null;
}

export function upsertMetaobject(
  ctx: ViewContext,
  args: MetaobjectUpsertArgs,
): { metaobject: View | null; userErrors: MetaobjectUserError[] } {
  const { store } = ctx;
  const failed = (...userErrors: MetaobjectUserError[]) => ({ metaobject: null, userErrors });
  if (args.metaobject?.capabilities)
    throw new GraphQLError("Shopify emulator: metaobjectUpsert capabilities are not implemented");

  const type = resolveMetaobjectType(ctx, args.handle.type);
  const definition = store.metaobjectDefinition(type);
  if (!definition)
    return failed(
      userError(
        ["handle", "type"],
        `No metaobject definition exists for type "${args.handle.type}"`,
        "UNDEFINED_OBJECT_TYPE",
      ),
    );
  const blankHandle = handleError(["handle", "handle"], args.handle.handle);
  if (blankHandle) return failed(blankHandle);
  if (args.metaobject && args.values != null)
    return failed(userError(["values"], "Cannot be used together with metaobject", "INVALID"));

  const existing = store.metaobjectByHandle(type, args.handle.handle);
  const handle = args.metaobject?.handle ?? args.handle.handle;
  const renamed = handle !== args.handle.handle ? handleError(["metaobject", "handle"], handle) : null;
  if (renamed) return failed(renamed);
  const holder = store.metaobjectByHandle(type, handle);
  if (holder && holder !== existing)
    return failed(userError(["metaobject", "handle"], "Handle has already been taken", "TAKEN"));

  let inputs: { key: string; value: string; field: string[] }[];
  if (args.values != null) {
    if (typeof args.values !== "object" || Array.isArray(args.values))
      return failed(userError(["values"], "Values must be an object keyed by field key", "INVALID"));
    inputs = Object.entries(args.values as Record<string, unknown>).map(([key, value]) => ({
      key,
      value: value === null ? "" : typeof value === "string" ? value : JSON.stringify(value),
      field: ["values", key],
    }));
  } else {
    inputs = (args.metaobject?.fields ?? []).map((f, index) => ({
      ...f,
      field: ["metaobject", "fields", String(index)],
    }));
  }

  const userErrors: MetaobjectUserError[] = [];
  const seen = new Set<string>();
  // `values` replaces everything; `metaobject.fields` only changes the keys it names.
  const fields: Record<string, string> = args.values != null ? {} : { ...existing?.fields };
  for (const input of inputs) {
    const fieldDefinition = definition.fields.find((f) => f.key === input.key);
    if (seen.has(input.key)) {
      userErrors.push(
        userError(input.field, `Field "${input.key}" was provided more than once`, "DUPLICATE_FIELD_INPUT", input.key),
      );
    } else if (!fieldDefinition) {
      userErrors.push(
        userError(input.field, `No field definition found for key "${input.key}"`, "UNDEFINED_OBJECT_FIELD", input.key),
      );
    } else if (input.value === "") {
      delete fields[input.key]; // an empty value clears the field
    } else {
      const invalid = invalidValue(store, fieldDefinition.type, input.value);
      if (invalid) userErrors.push(userError(input.field, invalid, "INVALID_VALUE", input.key));
      else fields[input.key] = input.value;
    }
    seen.add(input.key);
  }
  for (const f of definition.fields) {
    if (f.required && !(f.key in fields) && !userErrors.some((e) => e.elementKey === f.key)) {
      userErrors.push(
        userError(
          args.values != null ? ["values"] : ["metaobject", "fields"],
          `${f.name} can't be blank`,
          "OBJECT_FIELD_REQUIRED",
          f.key,
        ),
      );
    }
  }
  if (userErrors.length) return failed(...userErrors);

  const now = store.clock();
  let record: MetaobjectRecord;
  if (existing) {
    record = Object.assign(existing, { handle, fields, updatedAt: now });
  } else {
    record = { id: newObjectId(), type, handle, fields, createdAt: now, updatedAt: now };
    store.metaobjects.set(record.id, record);
  }
  return { metaobject: metaobjectView(ctx, record), userErrors: [] };
}

export function deleteMetaobject(
  ctx: ViewContext,
  id: string,
): { deletedId: string | null; userErrors: MetaobjectUserError[] } {
  const numeric = parseGid(id, "Metaobject");
  if (numeric === null || !ctx.store.metaobjects.delete(numeric))
    return { deletedId: null, userErrors: [userError(["id"], "Record not found", "RECORD_NOT_FOUND")] };
  return { deletedId: gid("Metaobject", numeric), userErrors: [] };
}
