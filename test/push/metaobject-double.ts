import type { GraphqlFn } from "~/shopify/admin-client.server";

// The Shopify emulator has no metaobjects yet. This stands in for exactly the two mutations the
// push sends (metaobjectUpsert keyed by type + handle, metaobjectDelete by id) and passes every
// other request through to the emulator, so the rest of the push still talks to it for real.

export interface MetaobjectRecord {
  id: string;
  type: string;
  handle: string;
  fields: Record<string, string>;
}

export class MetaobjectDouble {
  readonly objects = new Map<string, MetaobjectRecord>();
  calls = 0;
  private nextId = 1;

  wrap(graphql: GraphqlFn): GraphqlFn {
    return async (query, options) => {
      const variables = options?.variables ?? {};
      if (/mutation MetaobjectUpsert\b/.test(query)) return this.answer({ metaobjectUpsert: this.upsert(variables) });
      if (/mutation MetaobjectDelete\b/.test(query)) return this.answer({ metaobjectDelete: this.delete(String(variables.id)) });
      return graphql(query, options);
    };
  }

  byHandle(handle: string): MetaobjectRecord | undefined {
    return [...this.objects.values()].find((o) => o.handle === handle);
  }

  private upsert(variables: Record<string, unknown>) {
    const { type, handle } = variables.handle as { type: string; handle: string };
    const fields = (variables.metaobject as { fields: { key: string; value: string }[] }).fields;
    if (!fields.some((f) => f.key === "products")) return { metaobject: null, userErrors: [{ field: ["fields"], message: "Products can't be blank", code: "BLANK" }] };
    let record = [...this.objects.values()].find((o) => o.type === type && o.handle === handle);
    if (!record) {
      record = { id: `gid://shopify/Metaobject/${this.nextId++}`, type, handle, fields: {} };
      this.objects.set(record.id, record);
    }
    for (const field of fields) record.fields[field.key] = field.value;
    return { metaobject: { id: record.id, handle }, userErrors: [] };
  }

  private delete(id: string) {
    if (!this.objects.delete(id)) return { deletedId: null, userErrors: [{ field: ["id"], message: "Record not found", code: "RECORD_NOT_FOUND" }] };
    return { deletedId: id, userErrors: [] };
  }

  private answer(data: object): Response {
    this.calls++;
    const throttleStatus = { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 100 };
    return Response.json({ data, extensions: { cost: { requestedQueryCost: 10, actualQueryCost: 10, throttleStatus } } });
  }
}
