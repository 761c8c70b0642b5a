// Shopify's calculated query cost and the per shop+app leaky bucket it is charged against.
// Rules (as documented by Shopify, simplified): scalars and enums 0, objects 1,
// connections 2 + first × (cost of one node), each top-level mutation field 10.
import {
  getArgumentValues,
  getNamedType,
  isLeafType,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { ThrottleConfig } from "./store";

export const MAX_QUERY_COST = 1000;
const MUTATION_COST = 10;

type Fragments = Record<string, FragmentDefinitionNode>;
type Data = Record<string, unknown> | null | undefined;

/** Cost charged up front, from the arguments (`first`) alone. */
export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  variables: Record<string, unknown>,
): number {
  if (operation.operation === "mutation") return mutationCost(operation);
  return selectionCost(
    schema.getQueryType()!,
    operation.selectionSet,
    { fragments, variables, measured: false },
    undefined,
  );
}

/** Cost of what was actually returned (connections count their real nodes); the rest is refunded. */
export function actualQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  variables: Record<string, unknown>,
  data: Data,
): number {
  if (operation.operation === "mutation") return mutationCost(operation);
  return selectionCost(schema.getQueryType()!, operation.selectionSet, { fragments, variables, measured: true }, data);
}

function mutationCost(operation: OperationDefinitionNode): number {
  let fields = 0;
  for (const selection of operation.selectionSet.selections)
    if (selection.kind === "Field" && !selection.name.value.startsWith("__")) fields++;
  return fields * MUTATION_COST;
}

interface Walk {
  fragments: Fragments;
  variables: Record<string, unknown>;
  /** true: count what `data` holds; false: assume every connection returns `first` nodes. */
  measured: boolean;
}

function selectionCost(
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  walk: Walk,
  data: Data,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === "InlineFragment") {
      cost += selectionCost(parentType, selection.selectionSet, walk, data);
      continue;
    }
    if (selection.kind === "FragmentSpread") {
      const fragment = walk.fragments[selection.name.value];
      if (fragment) cost += selectionCost(parentType, fragment.selectionSet, walk, data);
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith("__") || !("getFields" in parentType)) continue;
    const field = parentType.getFields()[name];
    if (!field) continue;
    const type = getNamedType(field.type) as GraphQLCompositeType;
    if (isLeafType(type) || !selection.selectionSet) continue;
    const value = walk.measured ? data?.[selection.alias?.value ?? name] : undefined;
    if (walk.measured && (value === null || value === undefined)) continue;

    if (isObjectType(type) && type.name.endsWith("Connection")) {
      const args = getArgumentValues(field, selection, walk.variables) as { first?: number; last?: number };
      cost += 2 + connectionNodesCost(type, selection.selectionSet, walk, args.first ?? args.last ?? 1, value as Data);
    } else if (walk.measured) {
      const items = Array.isArray(value) ? (value as Data[]) : [value as Data];
      for (const item of items) cost += 1 + selectionCost(type, selection.selectionSet, walk, item);
    } else {
      const args = getArgumentValues(field, selection, walk.variables) as { first?: number };
      cost += (args.first ?? 1) * (1 + selectionCost(type, selection.selectionSet, walk, undefined));
    }
  }
  return cost;
}

/** Nodes of a connection selected as `edges { node { … } }` or `nodes { … }`, each costing 1 + its fields. */
function connectionNodesCost(
  connection: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  walk: Walk,
  first: number,
  data: Data,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind !== "Field" || !selection.selectionSet) continue;
    const field = connection.getFields()[selection.name.value];
    if (!field) continue;
    let nodeSelection: SelectionSetNode | undefined;
    let nodeType: GraphQLCompositeType;
    let nodes: Data[] = [];
    if (selection.name.value === "nodes") {
      nodeSelection = selection.selectionSet;
      nodeType = getNamedType(field.type) as GraphQLCompositeType;
      nodes = (data?.[selection.alias?.value ?? "nodes"] as Data[] | undefined) ?? [];
    } else if (selection.name.value === "edges") {
      const edgeType = getNamedType(field.type) as GraphQLObjectType;
      const node = selection.selectionSet.selections.find((s) => s.kind === "Field" && s.name.value === "node");
      if (node?.kind !== "Field" || !node.selectionSet) continue;
      nodeSelection = node.selectionSet;
      nodeType = getNamedType(edgeType.getFields().node.type) as GraphQLCompositeType;
      const key = node.alias?.value ?? "node";
      nodes = ((data?.[selection.alias?.value ?? "edges"] as Data[] | undefined) ?? []).map(
        (edge) => edge?.[key] as Data,
      );
    } else continue;
    const total = walk.measured
      ? nodes.reduce((sum, node) => sum + 1 + selectionCost(nodeType, nodeSelection, walk, node), 0)
      : first * (1 + selectionCost(nodeType, nodeSelection, walk, undefined));
    cost = Math.max(cost, total);
  }
  return walk.measured ? cost : Math.max(cost, first);
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Leaky bucket: refills at `restoreRate` points per second up to `maximumAvailable`. */
export class CostBucket {
  private available: number;
  private updatedAt: number;

  constructor(
    private readonly config: () => ThrottleConfig,
    private readonly clock: () => number = Date.now,
  ) {
    this.available = config().maximumAvailable;
    this.updatedAt = clock();
  }

  /** Charges `cost` if the bucket holds enough; returns whether it did. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  /** Gives back points charged but not used (requested cost above actual cost). */
  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.config().maximumAvailable, this.available + points);
  }

  /** Empties or fills the bucket, for tests. */
  set(points: number): void {
    this.refill();
    this.available = Math.max(0, Math.min(this.config().maximumAvailable, points));
  }

  status(): ThrottleStatus {
    this.refill();
    const { maximumAvailable, restoreRate } = this.config();
    return { maximumAvailable, currentlyAvailable: Math.floor(this.available), restoreRate };
  }

  private refill(): void {
    const now = this.clock();
    const { maximumAvailable, restoreRate } = this.config();
    this.available = Math.min(maximumAvailable, this.available + ((now - this.updatedAt) / 1000) * restoreRate);
    this.updatedAt = now;
  }
}
