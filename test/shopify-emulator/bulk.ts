// Bulk operations: queries stream the whole result set to a JSONL file (ungrouped: children of
// nested connections are their own lines with `__parentId`, as from API 2026-01), mutations run
// once per line of an uploaded JSONL file. Status goes CREATED → RUNNING → COMPLETED and
// `bulk_operations/finish` is announced. Nothing is held in memory beyond one root object.
import { createWriteStream, mkdirSync, statSync, type WriteStream } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import {
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import type { AdminGraphQL } from "./admin-graphql";
import { Listing } from "./connection";
import { newObjectId, type BulkOperationRecord, type ShopStore } from "./store";
import { bulkOperationView, gid, isoTime, type View } from "./views";
import { queryRoot, type RequestContext } from "./resolvers";

const MAX_CONCURRENT_QUERIES = 5;
const MAX_CONNECTIONS = 5;
const MAX_NESTING = 2;

export interface BulkFaults {
  /** Time an operation stays CREATED before it starts running. */
  startDelayMs: number;
  /** Extra time an operation stays RUNNING after its data is written. */
  finishDelayMs: number;
  /** Makes the next operations fail with this error code (consumed one per operation). */
  failNext: ("INTERNAL_SERVER_ERROR" | "TIMEOUT" | "ACCESS_DENIED")[];
}

interface ConnectionPlan {
  key: string;
  field: FieldNode;
  nodeSelection: SelectionSetNode;
  nodeType: GraphQLObjectType;
  children: ConnectionPlan[];
  /** The nested connection fields, which are written as their own lines. */
  skip: ReadonlySet<FieldNode>;
}

export class BulkRunner {
  readonly faults: BulkFaults = { startDelayMs: 0, finishDelayMs: 0, failNext: [] };
  private readonly running = new Set<Promise<void>>();
  private readonly planCache = new WeakMap<SelectionSetNode, Map<string, FieldPlan[]>>();

  constructor(
    private readonly graphql: AdminGraphQL,
    private readonly resultsDir: string,
    private readonly announce: (store: ShopStore, topic: string, payload: unknown) => void,
  ) {
    mkdirSync(resultsDir, { recursive: true });
  }

  get schema(): GraphQLSchema {
    return this.graphql.schema;
  }

  runQuery(ctx: RequestContext, query: string) {
    const invalid = (message: string) => ({
      bulkOperation: null,
      userErrors: [{ field: ["query"], message, code: "INVALID" }],
    });
    const compiled = this.graphql.compile(query);
    if ("errors" in compiled)
      return invalid(`Invalid bulk query: ${(compiled.errors[0] as { message: string }).message}`);
    const operation = compiled.document.definitions.find((d) => d.kind === "OperationDefinition");
    if (!operation || operation.operation !== "query") return invalid("Bulk queries must be a query operation");
    const roots = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === "Field");
    if (roots.length !== 1) return invalid("Bulk queries must have exactly one top-level field");
    const rootPlan = this.planConnection(this.schema.getQueryType()!, roots[0]);
    if (typeof rootPlan === "string") return invalid(rootPlan);
    const connections = countConnections(rootPlan);
    if (connections > MAX_CONNECTIONS)
      return invalid(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections`);
    if (depth(rootPlan) > MAX_NESTING)
      return invalid(`Bulk queries cannot contain connections nested more than ${MAX_NESTING} levels deep`);

    const active = [...ctx.store.bulkOperations.values()].filter(
      (op) => op.type === "QUERY" && (op.status === "CREATED" || op.status === "RUNNING"),
    );
    if (active.length >= MAX_CONCURRENT_QUERIES) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: `A maximum of ${MAX_CONCURRENT_QUERIES} bulk query operations can run at the same time for this app and shop. Try again later.`,
            code: "LIMIT_REACHED",
          },
        ],
      };
    }
    const op = this.createOperation(ctx.store, "QUERY", query);
    this.track(this.runLater(ctx, op, (out) => this.writeQueryResult(ctx, op, roots[0], rootPlan, out)));
    return { bulkOperation: bulkOperationView(op), userErrors: [] };
  }

  runMutation(ctx: RequestContext, mutation: string, stagedUploadPath: string) {
    const compiled = this.graphql.compile(mutation);
    if ("errors" in compiled) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: ["mutation"],
            message: `Invalid mutation: ${(compiled.errors[0] as { message: string }).message}`,
            code: "INVALID_MUTATION",
          },
        ],
      };
    }
    const operation = compiled.document.definitions.find((d) => d.kind === "OperationDefinition");
    if (!operation || operation.operation !== "mutation" || operation.selectionSet.selections.length !== 1) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: ["mutation"],
            message: "Bulk mutations must contain exactly one mutation field",
            code: "INVALID_MUTATION",
          },
        ],
      };
    }
    const upload = ctx.store.stagedUploads.get(stagedUploadPath);
    if (!upload) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message:
              "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.",
            code: "NO_SUCH_FILE",
          },
        ],
      };
    }
    const active = [...ctx.store.bulkOperations.values()].find(
      (op) => op.type === "MUTATION" && (op.status === "CREATED" || op.status === "RUNNING"),
    );
    if (active) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: `A bulk mutation operation for this app and shop is already in progress: ${gid("BulkOperation", active.id)}.`,
            code: "OPERATION_IN_PROGRESS",
          },
        ],
      };
    }
    const op = this.createOperation(ctx.store, "MUTATION", mutation);
    this.track(
      this.runLater(ctx, op, async (out) => {
        const lines = upload.toString("utf8").split("\n");
        let lineNumber = 0;
        for (const line of lines) {
          if (!line.trim()) continue;
          let result: object;
          try {
            result = await this.graphql.execute(ctx, compiled.document, JSON.parse(line) as Record<string, unknown>);
          } catch (error) {
            result = { errors: [{ message: (error as Error).message }] };
          }
          op.objectCount++;
          op.rootObjectCount++;
          if (!out.write(JSON.stringify({ ...result, __lineNumber: lineNumber++ }) + "\n")) await once(out, "drain");
        }
      }),
    );
    return { bulkOperation: bulkOperationView(op), userErrors: [] };
  }

  cancel(ctx: RequestContext, id: number) {
    const op = ctx.store.bulkOperations.get(id);
    if (!op) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (op.status === "CREATED" || op.status === "RUNNING") op.status = "CANCELING";
    return { bulkOperation: bulkOperationView(op), userErrors: [] };
  }

  /** Resolves once every started operation has finished (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private track(promise: Promise<void>): void {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  private createOperation(store: ShopStore, type: "QUERY" | "MUTATION", query: string): BulkOperationRecord {
    const op: BulkOperationRecord = {
      id: newObjectId(),
      type,
      status: "CREATED",
      query,
      createdAt: store.clock(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      errorCode: null,
      resultFile: null,
      url: null,
    };
    store.bulkOperations.set(op.id, op);
    return op;
  }

  private async runLater(
    ctx: RequestContext,
    op: BulkOperationRecord,
    write: (out: WriteStream) => Promise<void>,
  ): Promise<void> {
    await delay(this.faults.startDelayMs);
    if (op.status === "CANCELING") return this.finish(ctx, op, "CANCELED");
    op.status = "RUNNING";
    const file = path.join(this.resultsDir, `${op.id}.jsonl`);
    const out = createWriteStream(file);
    const failure = this.faults.failNext.shift() ?? null;
    try {
      if (!failure) await write(out);
    } catch (error) {
      op.errorCode = "INTERNAL_SERVER_ERROR";
      console.error(`[shopify-emulator] bulk operation ${op.id} failed:`, error);
    } finally {
      out.end();
      await once(out, "close");
    }
    op.resultFile = file;
    op.fileSize = statSync(file).size;
    op.url = `${ctx.origin}/bulk-results/${op.id}.jsonl`;
    await delay(this.faults.finishDelayMs);
    if (failure) op.errorCode = failure;
    // A cancel request may have arrived while we were writing.
    this.finish(
      ctx,
      op,
      (op.status as BulkOperationRecord["status"]) === "CANCELING" ? "CANCELED" : op.errorCode ? "FAILED" : "COMPLETED",
    );
  }

  private finish(ctx: RequestContext, op: BulkOperationRecord, status: "COMPLETED" | "FAILED" | "CANCELED"): void {
    op.status = status;
    op.completedAt = ctx.store.clock();
    this.announce(ctx.store, "bulk_operations/finish", {
      admin_graphql_api_id: gid("BulkOperation", op.id),
      completed_at: isoTime(op.completedAt),
      created_at: isoTime(op.createdAt),
      error_code: op.errorCode?.toLowerCase() ?? null,
      status: status.toLowerCase(),
      type: op.type.toLowerCase(),
    });
  }

  // ---- query plans and JSONL writing ----------------------------------------------------

  /** Checks that `field` is a connection of `parent` and plans its node selection and nested connections. */
  private planConnection(parent: GraphQLObjectType, field: FieldNode): ConnectionPlan | string {
    const definition = parent.getFields()[field.name.value];
    const type = getNamedType(definition.type);
    if (!isObjectType(type) || !type.name.endsWith("Connection") || !field.selectionSet) {
      return `Bulk queries must select a connection; '${field.name.value}' is not one`;
    }
    let nodeSelection: SelectionSetNode | undefined;
    for (const s of field.selectionSet.selections) {
      if (s.kind !== "Field") continue;
      if (s.name.value === "nodes") nodeSelection = s.selectionSet;
      else if (s.name.value === "edges") {
        const node = s.selectionSet?.selections.find(
          (e): e is FieldNode => e.kind === "Field" && e.name.value === "node",
        );
        nodeSelection = node?.selectionSet;
      } else if (s.name.value === "pageInfo") return "Bulk queries cannot select pageInfo";
    }
    if (!nodeSelection) return `The connection '${field.name.value}' must select edges { node { … } }`;
    const nodeType = getNamedType(type.getFields().nodes.type) as GraphQLObjectType;
    const children: ConnectionPlan[] = [];
    for (const s of nodeSelection.selections) {
      if (s.kind !== "Field" || !isObjectType(nodeType)) continue;
      const childType = getNamedType(nodeType.getFields()[s.name.value]?.type);
      if (isObjectType(childType) && childType.name.endsWith("Connection")) {
        const child = this.planConnection(nodeType, s);
        if (typeof child === "string") return child;
        children.push(child);
      }
    }
    return {
      key: field.alias?.value ?? field.name.value,
      field,
      nodeSelection,
      nodeType,
      children,
      skip: new Set(children.map((c) => c.field)),
    };
  }

  private async writeQueryResult(
    ctx: RequestContext,
    op: BulkOperationRecord,
    rootField: FieldNode,
    plan: ConnectionPlan,
    out: WriteStream,
  ): Promise<void> {
    const root = queryRoot(ctx) as Record<string, unknown>;
    const rootDefinition = this.schema.getQueryType()!.getFields()[rootField.name.value];
    const resolver = root[rootField.name.value];
    if (typeof resolver !== "function")
      throw new Error(`Shopify emulator: bulk queries over '${rootField.name.value}' are not implemented`);
    const listing = resolver(getArgumentValues(rootDefinition, rootField, {}));
    if (!(listing instanceof Listing)) throw new Error(`Shopify emulator: '${rootField.name.value}' is not a listing`);

    let buffered = "";
    // Flushing also yields to the event loop, so status polls see RUNNING and objectCount grow.
    const flush = async () => {
      if (!out.write(buffered)) await once(out, "drain");
      else await new Promise((resolve) => setImmediate(resolve));
      buffered = "";
    };
    const emit = (row: object) => {
      buffered += JSON.stringify(row) + "\n";
      op.objectCount++;
    };
    for (const item of listing.iterate(null)) {
      if (op.status === "CANCELING") break;
      this.emitNode(item.node as View, plan, null, emit);
      op.rootObjectCount++;
      if (buffered.length > 256 * 1024) await flush();
    }
    await flush();
  }

  private emitNode(view: View, plan: ConnectionPlan, parentId: string | null, emit: (row: object) => void): void {
    const row = this.project(view, plan.nodeSelection, plan.nodeType.name, plan.skip);
    if (parentId !== null) (row as Record<string, unknown>).__parentId = parentId;
    emit(row);
    for (const child of plan.children) {
      const definition = plan.nodeType.getFields()[child.field.name.value];
      const listing = resolveOn(view, child.field.name.value, argumentsOf(definition, child.field), plan.nodeType.name);
      if (!(listing instanceof Listing)) continue;
      for (const item of listing.iterate(null)) this.emitNode(item.node as View, child, view.id as string, emit);
    }
  }

  /** The JSON of one object for a selection, leaving out nested connections (they get their own lines). */
  private project(view: View, selectionSet: SelectionSetNode, typename: string, skip: ReadonlySet<FieldNode>): object {
    const row: Record<string, unknown> = {};
    for (const field of this.fieldPlans(selectionSet, typename, skip)) {
      if (field.name === "__typename") {
        row[field.key] = typename;
        continue;
      }
      const value = resolveOn(view, field.name, field.args, typename);
      if (value === null || value === undefined || !field.selection) row[field.key] = value;
      else if (Array.isArray(value))
        row[field.key] = value.map((v: View) =>
          this.project(v, field.selection!, field.objectType ?? v.__typename, NO_FIELDS),
        );
      else
        row[field.key] = this.project(
          value as View,
          field.selection,
          field.objectType ?? (value as View).__typename,
          NO_FIELDS,
        );
    }
    return row;
  }

  /** Flattens a selection set for one concrete type once (fragments, arguments, leaf checks), not once per row. */
  private fieldPlans(selectionSet: SelectionSetNode, typename: string, skip: ReadonlySet<FieldNode>): FieldPlan[] {
    let byType = this.planCache.get(selectionSet);
    if (!byType) this.planCache.set(selectionSet, (byType = new Map()));
    let plans = byType.get(typename);
    if (plans) return plans;
    plans = [];
    const type = this.schema.getType(typename) as GraphQLObjectType;
    const visit = (selections: SelectionSetNode) => {
      for (const s of selections.selections) {
        if (s.kind === "InlineFragment") {
          const condition = s.typeCondition && this.schema.getType(s.typeCondition.name.value);
          if (!condition || condition === type || (isAbstractType(condition) && this.schema.isSubType(condition, type)))
            visit(s.selectionSet);
          continue;
        }
        if (s.kind !== "Field" || skip.has(s)) continue;
        const key = s.alias?.value ?? s.name.value;
        if (s.name.value === "__typename") {
          plans!.push({ key, name: "__typename", args: {}, selection: null, objectType: null });
          continue;
        }
        const definition = type.getFields()[s.name.value];
        const named = getNamedType(definition.type);
        plans!.push({
          key,
          name: s.name.value,
          args: getArgumentValues(definition, s, {}),
          selection: isLeafType(named) ? null : (s.selectionSet ?? null),
          objectType: isObjectType(named) ? named.name : null,
        });
      }
    };
    visit(selectionSet);
    byType.set(typename, plans);
    return plans;
  }
}

interface FieldPlan {
  key: string;
  name: string;
  args: Record<string, unknown>;
  /** Sub-selection of an object field; null for leaves. */
  selection: SelectionSetNode | null;
  /** The field's object type; null for interfaces and unions (the value's __typename decides). */
  objectType: string | null;
}

const NO_FIELDS: ReadonlySet<FieldNode> = new Set();

/** Bulk documents carry literal arguments only, so each field's arguments are computed once. */
const argumentCache = new WeakMap<FieldNode, Record<string, unknown>>();
function argumentsOf(definition: Parameters<typeof getArgumentValues>[0], field: FieldNode): Record<string, unknown> {
  let args = argumentCache.get(field);
  if (!args) argumentCache.set(field, (args = getArgumentValues(definition, field, {})));
  return args;
}

function resolveOn(view: View, field: string, args: Record<string, unknown>, typeName: string): unknown {
  const raw = view[field];
  if (raw === undefined) throw new Error(`Shopify emulator: ${typeName}.${field} is not implemented`);
  return typeof raw === "function" ? (raw as (a: unknown) => unknown).call(view, args) : raw;
}

function countConnections(plan: ConnectionPlan): number {
  return 1 + plan.children.reduce((sum, c) => sum + countConnections(c), 0);
}

function depth(plan: ConnectionPlan): number {
  return 1 + Math.max(0, ...plan.children.map(depth));
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : new Promise((resolve) => setImmediate(resolve));
}
