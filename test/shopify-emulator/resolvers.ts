// Root query and mutation objects for one request: what each supported Admin API root field
// does against the shop's store. Anything not here fails loudly ("not implemented").
import { randomUUID } from "node:crypto";
import { matchesSearch, parseSearchQuery, Listing } from "./connection";
import { invalidValue } from "./field-values";
import { receiveFlowTrigger, type FlowTriggerDefinition } from "./flow";
import { deleteMetaobject, upsertMetaobject, type MetaobjectUpsertArgs } from "./metaobjects";
import { checkSegmentQuery } from "./segment-query";
import { newObjectId, type MetafieldRecord } from "./store";
import type { BulkRunner } from "./bulk";
import {
  appInstallationView,
  bulkOperationView,
  collectionView,
  collectionsListing,
  customerView,
  customersListing,
  gid,
  metafieldDefinitionView,
  metafieldView,
  metaobjectView,
  metaobjectsListing,
  orderView,
  ordersListing,
  parseGid,
  productView,
  productsListing,
  resolveMetaobjectType,
  resolveNamespace,
  segmentView,
  shopView,
  type ViewContext,
} from "./views";

export interface RequestContext extends ViewContext {
  origin: string;
  bulk: BulkRunner;
  /** Signs staged upload keys so the upload endpoint only accepts keys it handed out. */
  signUploadKey: (key: string) => string;
  /** The app's Flow trigger extensions by handle. */
  flowTriggers: Map<string, FlowTriggerDefinition>;
}

const MAX_TAGS = 250;
const MAX_TAG_LENGTH = 255;
const MAX_METAFIELDS_PER_SET = 25;

export function queryRoot(ctx: RequestContext) {
  const { store } = ctx;
  return {
    shop: () => shopView(ctx),
    currentAppInstallation: () => appInstallationView(ctx),
    customers: (args: { query?: string | null }) => {
      const terms = parseSearchQuery(args.query);
      return customersListing(ctx, (c, orders) =>
        matchesSearch(terms, {
          updated_at: c.updatedAt,
          created_at: c.createdAt,
          id: c.id,
          tag: c.tags,
          email: c.email,
          state: c.state,
          orders_count: orders.filter((o) => !o.test).length,
        }),
      );
    },
    orders: (args: { query?: string | null }) => {
      const terms = parseSearchQuery(args.query);
      return ordersListing(ctx, (o) =>
        matchesSearch(terms, {
          updated_at: o.updatedAt,
          created_at: o.createdAt,
          processed_at: o.processedAt,
          id: o.id,
          customer_id: o.customerId,
          test: String(o.test),
          tag: o.tags,
          email: o.email,
        }),
      );
    },
    products: (args: { query?: string | null }) => {
      const terms = parseSearchQuery(args.query);
      return productsListing(ctx, (p) =>
        matchesSearch(terms, {
          updated_at: p.updatedAt,
          created_at: p.createdAt,
          id: p.id,
          product_type: p.productType,
          vendor: p.vendor,
          title: p.title,
        }),
      );
    },
    product: ({ id }: { id: string }) => {
      const numeric = parseGid(id, "Product");
      const found = numeric === null ? null : store.product(numeric);
      return found ? productView(ctx, found) : null;
    },
    collections: (args: { query?: string | null }) => {
      const terms = parseSearchQuery(args.query);
      return collectionsListing(ctx, (c) =>
        matchesSearch(terms, { updated_at: c.updatedAt, id: c.id, title: c.title, handle: c.handle }),
      );
    },
    collection: ({ id }: { id: string }) => {
      const numeric = parseGid(id, "Collection");
      const found = numeric === null ? null : store.collection(numeric);
      return found ? collectionView(ctx, found) : null;
    },
    customer: ({ id }: { id: string }) => {
      const numeric = parseGid(id, "Customer");
      const found = numeric === null ? null : store.customer(numeric);
      return found ? customerView(ctx, found.record, found.orders) : null;
    },
    order: ({ id }: { id: string }) => {
      const numeric = parseGid(id, "Order");
      const found = numeric === null ? null : store.order(numeric);
      return found ? orderView(ctx, found) : null;
    },
    bulkOperation: ({ id }: { id: string }) => {
      const op = store.bulkOperations.get(parseGid(id, "BulkOperation") ?? -1);
      return op ? bulkOperationView(op) : null;
    },
    currentBulkOperation: ({ type }: { type?: "QUERY" | "MUTATION" | null }) => {
      const ops = [...store.bulkOperations.values()].filter((op) => op.type === (type ?? "QUERY"));
      const latest = ops.at(-1);
      return latest ? bulkOperationView(latest) : null;
    },
    segments: () => Listing.ofArray([...store.segments.values()].map(segmentView)),
    segment: ({ id }: { id: string }) => {
      const segment = store.segments.get(parseGid(id, "Segment") ?? -1);
      return segment ? segmentView(segment) : null;
    },
    metaobject: ({ id }: { id: string }) => {
      const metaobject = store.metaobjects.get(parseGid(id, "Metaobject") ?? -1);
      return metaobject ? metaobjectView(ctx, metaobject) : null;
    },
    metaobjectByHandle: ({ handle }: { handle: { type: string; handle: string } }) => {
      const metaobject = store.metaobjectByHandle(resolveMetaobjectType(ctx, handle.type), handle.handle);
      return metaobject ? metaobjectView(ctx, metaobject) : null;
    },
    metaobjects: (args: { type: string; query?: string | null }) => {
      const terms = parseSearchQuery(args.query);
      return metaobjectsListing(ctx, resolveMetaobjectType(ctx, args.type), (m) =>
        matchesSearch(terms, { handle: m.handle, id: m.id, updated_at: m.updatedAt, created_at: m.createdAt }),
      );
    },
  };
}

export function mutationRoot(ctx: RequestContext) {
  const { store } = ctx;

  function changeTags(id: string, tags: string[], add: boolean) {
    const numeric = parseGid(id, "Customer");
    const found = numeric === null ? null : store.customer(numeric);
    if (!found) return { node: null, userErrors: [{ field: ["id"], message: "Customer does not exist" }] };
    const cleaned = tags
      .flatMap((t) => t.split(","))
      .map((t) => t.trim())
      .filter(Boolean);
    const tooLong = cleaned.find((t) => t.length > MAX_TAG_LENGTH);
    if (tooLong)
      return {
        node: null,
        userErrors: [
          {
            field: ["tags"],
            message: `Tag '${tooLong.slice(0, 40)}…' is too long (maximum is ${MAX_TAG_LENGTH} characters)`,
          },
        ],
      };
    const current = found.record.tags;
    let next: string[];
    if (add) {
      next = [...current];
      for (const tag of cleaned) if (!next.some((t) => t.toLowerCase() === tag.toLowerCase())) next.push(tag);
      if (next.length > MAX_TAGS)
        return { node: null, userErrors: [{ field: ["tags"], message: `Tags cannot be more than ${MAX_TAGS}` }] };
    } else {
      const removed = new Set(cleaned.map((t) => t.toLowerCase()));
      next = current.filter((t) => !removed.has(t.toLowerCase()));
    }
    const changed = next.length !== current.length;
    const record = changed ? store.updateCustomer(found.record.id, { tags: next }) : found.record;
    return { node: customerView(ctx, record), userErrors: [] };
  }

  return {
    tagsAdd: ({ id, tags }: { id: string; tags: string[] }) => changeTags(id, tags, true),
    tagsRemove: ({ id, tags }: { id: string; tags: string[] }) => changeTags(id, tags, false),

    segmentCreate: ({ name, query }: { name: string; query: string }) => {
      const error = segmentErrors(name, query, null);
      if (error) return { segment: null, userErrors: [error] };
      const now = store.clock();
      const segment = { id: newObjectId(), name: name.trim(), query, createdAt: now, updatedAt: now };
      store.segments.set(segment.id, segment);
      return { segment: segmentView(segment), userErrors: [] };
    },
    segmentUpdate: ({ id, name, query }: { id: string; name?: string | null; query?: string | null }) => {
      const segment = store.segments.get(parseGid(id, "Segment") ?? -1);
      if (!segment) return { segment: null, userErrors: [{ field: ["id"], message: "Segment does not exist" }] };
      const error = segmentErrors(name ?? segment.name, query ?? segment.query, segment.id);
      if (error) return { segment: null, userErrors: [error] };
      Object.assign(segment, {
        name: (name ?? segment.name).trim(),
        query: query ?? segment.query,
        updatedAt: store.clock(),
      });
      return { segment: segmentView(segment), userErrors: [] };
    },
    segmentDelete: ({ id }: { id: string }) => {
      const numeric = parseGid(id, "Segment") ?? -1;
      if (!store.segments.delete(numeric))
        return { deletedSegmentId: null, userErrors: [{ field: ["id"], message: "Segment does not exist" }] };
      return { deletedSegmentId: gid("Segment", numeric), userErrors: [] };
    },

    metafieldsSet: ({ metafields }: { metafields: MetafieldsSetInput[] }) => {
      if (metafields.length > MAX_METAFIELDS_PER_SET) {
        return {
          metafields: null,
          userErrors: [
            {
              field: ["metafields"],
              message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}.`,
              code: "LESS_THAN_OR_EQUAL_TO",
              elementIndex: null,
            },
          ],
        };
      }
      // Atomic like Shopify: validate everything before writing anything.
      const prepared: MetafieldRecord[] = [];
      const userErrors: unknown[] = [];
      metafields.forEach((input, index) => {
        const result = prepareMetafield(ctx, input);
        if (typeof result === "string")
          userErrors.push({
            field: ["metafields", String(index)],
            message: result,
            code: "INVALID",
            elementIndex: index,
          });
        else prepared.push(result);
      });
      if (userErrors.length) return { metafields: [], userErrors };
      const written = prepared.map((field) => {
        const fields = store.ownerMetafields(field.ownerId);
        const existing = fields.get(`${field.namespace}.${field.key}`);
        const record = existing
          ? Object.assign(existing, { value: field.value, type: field.type, updatedAt: field.updatedAt })
          : field;
        fields.set(`${field.namespace}.${field.key}`, record);
        return metafieldView(ctx, record);
      });
      return { metafields: written, userErrors: [] };
    },

    // Atomic like metafieldsSet; a metafield that does not exist comes back as null.
    metafieldsDelete: ({ metafields }: { metafields: { ownerId: string; namespace: string; key: string }[] }) => {
      const targets: ({ ownerId: number; namespace: string; key: string } | null)[] = [];
      const userErrors: { field: string[]; message: string }[] = [];
      metafields.forEach((input, index) => {
        const owner = parseOwner(ctx, input.ownerId);
        if (owner === OWNER_MISSING) targets.push(null);
        else if (typeof owner === "string")
          userErrors.push({ field: ["metafields", String(index), "ownerId"], message: owner });
        else targets.push({ ownerId: owner.id, namespace: resolveNamespace(ctx, input.namespace), key: input.key });
      });
      if (userErrors.length) return { deletedMetafields: null, userErrors };
      const deletedMetafields = targets.map((target) => {
        if (!target || !store.metafields.get(target.ownerId)?.delete(`${target.namespace}.${target.key}`)) return null;
        const ownerType = target.ownerId === store.appInstallationId ? "AppInstallation" : "Customer";
        return { ownerId: gid(ownerType, target.ownerId), namespace: target.namespace, key: target.key };
      });
      return { deletedMetafields, userErrors: [] };
    },

    metaobjectUpsert: (args: MetaobjectUpsertArgs) => upsertMetaobject(ctx, args),
    metaobjectDelete: ({ id }: { id: string }) => deleteMetaobject(ctx, id),

    metafieldDefinitionCreate: ({
      definition,
    }: {
      definition: {
        namespace?: string | null;
        key: string;
        name: string;
        type: string;
        ownerType: string;
        description?: string | null;
      };
    }) => {
      const namespace = resolveNamespace(ctx, definition.namespace);
      for (const d of store.metafieldDefinitions.values()) {
        if (d.namespace === namespace && d.key === definition.key && d.ownerType === definition.ownerType) {
          return {
            createdDefinition: null,
            userErrors: [
              {
                field: ["definition", "key"],
                message: `Key is in use for ${definition.ownerType.toLowerCase()} metafields on the '${namespace}' namespace.`,
                code: "TAKEN",
              },
            ],
          };
        }
      }
      const record = {
        id: newObjectId(),
        namespace,
        key: definition.key,
        name: definition.name,
        type: definition.type,
        ownerType: definition.ownerType,
        description: definition.description ?? null,
      };
      store.metafieldDefinitions.set(record.id, record);
      return { createdDefinition: metafieldDefinitionView(record), userErrors: [] };
    },

    stagedUploadsCreate: ({
      input,
    }: {
      input: { filename: string; mimeType: string; resource: string; httpMethod?: string | null }[];
    }) => ({
      stagedTargets: input.map((target) => {
        const key = `tmp/${store.id}/bulk/${randomUUID()}/${target.filename}`;
        store.stagedUploads.set(key, null);
        const url = `${ctx.origin}/staged-uploads`;
        return {
          url,
          resourceUrl: `${url}/${key}`,
          parameters: [
            { name: "Content-Type", value: target.mimeType },
            { name: "success_action_status", value: "201" },
            { name: "acl", value: "private" },
            { name: "key", value: key },
            { name: "x-goog-signature", value: ctx.signUploadKey(key) },
          ],
        };
      }),
      userErrors: [],
    }),

    flowTriggerReceive: ({ handle, payload }: { handle?: string | null; payload?: unknown; body?: string | null }) =>
      receiveFlowTrigger(store, ctx.flowTriggers, handle, payload),

    bulkOperationRunQuery: ({ query }: { query: string; groupObjects: boolean }) => ctx.bulk.runQuery(ctx, query),
    bulkOperationRunMutation: ({ mutation, stagedUploadPath }: { mutation: string; stagedUploadPath: string }) =>
      ctx.bulk.runMutation(ctx, mutation, stagedUploadPath),
    bulkOperationCancel: ({ id }: { id: string }) => ctx.bulk.cancel(ctx, parseGid(id, "BulkOperation") ?? -1),
  };

  function segmentErrors(name: string, query: string, selfId: number | null) {
    if (!name.trim()) return { field: ["name"], message: "Name can't be blank" };
    if (name.length > 255) return { field: ["name"], message: "Name is too long (maximum is 255 characters)" };
    for (const s of store.segments.values()) {
      if (s.id !== selfId && s.name.toLowerCase() === name.trim().toLowerCase())
        return { field: ["name"], message: "Name has already been taken" };
    }
    const queryError = checkSegmentQuery(query);
    return queryError ? { field: ["query"], message: queryError } : null;
  }
}

interface MetafieldsSetInput {
  ownerId: string;
  namespace?: string | null;
  key: string;
  type?: string | null;
  value: string;
}

const OWNER_MISSING = "Owner does not exist";

/** A customer, or this app's own installation (app-data metafields); a message otherwise. */
function parseOwner(ctx: RequestContext, ownerId: string): { type: MetafieldRecord["ownerType"]; id: number } | string {
  const customerId = parseGid(ownerId, "Customer");
  if (customerId !== null) return ctx.store.customer(customerId) ? { type: "CUSTOMER", id: customerId } : OWNER_MISSING;
  const installationId = parseGid(ownerId, "AppInstallation");
  // An app can only reach its own installation.
  if (installationId !== null)
    return installationId === ctx.store.appInstallationId
      ? { type: "APP_INSTALLATION", id: installationId }
      : OWNER_MISSING;
  return "Owner type is not supported by the Shopify emulator (only Customer and AppInstallation)";
}

function prepareMetafield(ctx: RequestContext, input: MetafieldsSetInput): MetafieldRecord | string {
  const owner = parseOwner(ctx, input.ownerId);
  if (typeof owner === "string") return owner;
  const ownerId = owner.id;
  const namespace = resolveNamespace(ctx, input.namespace);
  if (!/^[A-Za-z0-9_-]{2,64}$/.test(input.key))
    return "Key must be 2-64 characters long and only contain alphanumeric, hyphen, and underscore characters";
  const definition = [...ctx.store.metafieldDefinitions.values()].find(
    (d) => d.namespace === namespace && d.key === input.key && d.ownerType === owner.type,
  );
  const type = input.type ?? definition?.type;
  if (!type) return "Type can't be blank";
  if (definition && definition.type !== type)
    return `Type must be '${definition.type}' as defined by the metafield definition`;
  const invalid = invalidValue(ctx.store, type, input.value);
  if (invalid) return invalid;
  const now = ctx.store.clock();
  return {
    id: newObjectId(),
    ownerType: owner.type,
    ownerId,
    namespace,
    key: input.key,
    type,
    value: input.value,
    createdAt: now,
    updatedAt: now,
  };
}
