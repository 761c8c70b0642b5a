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
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { ThrottleConfig } from "./store";

export const MAX_QUERY_COST = 1000;
const MUTATION_COST = 10;

export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  if (operation.operation === "mutation") {
    let fields = 0;
    for (const selection of operation.selectionSet.selections) if (selection.kind === "Field" && !selection.name.value.startsWith("__")) fields++;
    return fields * MUTATION_COST;
  }
  return selectionCost(schema.getQueryType()!, operation.selectionSet, fragments, variables);
}

function selectionCost(
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === "InlineFragment") {
      cost += selectionCost(parentType, selection.selectionSet, fragments, variables);
      continue;
    }
    if (selection.kind === "FragmentSpread") {
      const fragment = fragments[selection.name.value];
      if (fragment) cost += selectionCost(parentType, fragment.selectionSet, fragments, variables);
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith("__") || !("getFields" in parentType)) continue;
    const field = parentType.getFields()[name];
    if (!field) continue;
    const type = getNamedType(field.type);
    if (isLeafType(type) || !selection.selectionSet) continue;
    const args = getArgumentValues(field, selection, variables) as { first?: number; last?: number };
    const count = args.first ?? args.last ?? 1;
    if (isObjectType(type) && type.name.endsWith("Connection")) {
      cost += 2 + count * connectionNodeCost(type, selection.selectionSet, fragments, variables);
    } else {
      cost += count * (1 + selectionCost(type as GraphQLCompositeType, selection.selectionSet, fragments, variables));
    }
  }
  return cost;
}

/** Cost of one node of a connection: `edges { node { … } }` or `nodes { … }`. */
function connectionNodeCost(
  connection: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind !== "Field" || !selection.selectionSet || !isObjectType(connection)) continue;
    const field = connection.getFields()[selection.name.value];
    if (!field) continue;
    if (selection.name.value === "nodes") {
      cost = Math.max(cost, 1 + selectionCost(getNamedType(field.type) as GraphQLCompositeType, selection.selectionSet, fragments, variables));
    } else if (selection.name.value === "edges") {
      const edgeType = getNamedType(field.type) as GraphQLCompositeType;
      cost = Math.max(cost, selectionCost(edgeType, selection.selectionSet, fragments, variables));
    }
  }
  return Math.max(cost, 1);
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
