// The Admin GraphQL endpoint's pipeline: parse → validate against Shopify's real schema →
// cost check against the shop's bucket → execute over the store → Shopify-shaped response.
import {
  GraphQLError,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from "graphql";
import { Listing, paginate } from "./connection";
import { MAX_QUERY_COST, actualQueryCost, requestedQueryCost, type CostBucket } from "./cost";
import { mutationRoot, queryRoot, type RequestContext } from "./resolvers";

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface ShopStats {
  requests: number;
  throttled: number;
  costUsed: number;
  /** Calls per operation name (or first root field when the operation is anonymous). */
  calls: Record<string, number>;
}

export function emptyStats(): ShopStats {
  return { requests: 0, throttled: 0, costUsed: 0, calls: {} };
}

const fieldResolver: GraphQLFieldResolver<unknown, RequestContext> = (source, args, _ctx, info) => {
  const raw = (source as Record<string, unknown>)[info.fieldName];
  if (raw === undefined)
    throw new GraphQLError(`Shopify emulator: ${info.parentType.name}.${info.fieldName} is not implemented`);
  // Views are objects or class instances: call methods with the view as `this`.
  const value = typeof raw === "function" ? (raw as (a: unknown) => unknown).call(source, args) : raw;
  return value instanceof Listing ? paginate(value, args) : value;
};

/** graphql-js validation messages rewritten the way Shopify words them. */
function shopifyValidationError(error: GraphQLError) {
  const locations = error.locations;
  let match = /^Cannot query field "(\w+)" on type "(\w+)"/.exec(error.message);
  if (match)
    return {
      message: `Field '${match[1]}' doesn't exist on type '${match[2]}'`,
      locations,
      extensions: { code: "undefinedField", typeName: match[2], fieldName: match[1] },
    };
  match = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"/.exec(error.message);
  if (match)
    return {
      message: `Field '${match[3]}' doesn't accept argument '${match[1]}'`,
      locations,
      extensions: { code: "argumentNotAccepted", name: match[3], typeName: "Field", argumentName: match[1] },
    };
  match = /^Field "(\w+)" argument "(\w+)" of type "[^"]+" is required/.exec(error.message);
  if (match)
    return {
      message: `Field '${match[1]}' is missing required arguments: ${match[2]}`,
      locations,
      extensions: { code: "missingRequiredArguments", className: "Field", name: match[1], arguments: match[2] },
    };
  return { message: error.message, locations, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
}

export class AdminGraphQL {
  constructor(readonly schema: GraphQLSchema) {}

  /** Parses and validates a document; returns Shopify-shaped errors instead of throwing. */
  compile(source: string): { document: DocumentNode } | { errors: object[] } {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      const e = error as GraphQLError;
      return { errors: [{ message: e.message, locations: e.locations, extensions: { code: "PARSE_ERROR" } }] };
    }
    const errors = validate(this.schema, document);
    return errors.length ? { errors: errors.map(shopifyValidationError) } : { document };
  }

  async handle(ctx: RequestContext, bucket: CostBucket, stats: ShopStats, body: GraphQLRequestBody): Promise<object> {
    stats.requests++;
    const costExtension = (requested: number, actual: number | null) => ({
      cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() },
    });
    if (typeof body.query !== "string")
      return { errors: [{ message: "No query string was present" }], extensions: costExtension(0, null) };

    const compiled = this.compile(body.query);
    if ("errors" in compiled) return { errors: compiled.errors, extensions: costExtension(0, null) };
    const { document } = compiled;
    const operationName = typeof body.operationName === "string" ? body.operationName : undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return {
        errors: [{ message: "An operation name is required when the document has several operations" }],
        extensions: costExtension(0, null),
      };
    const variables =
      body.variables && typeof body.variables === "object" ? (body.variables as Record<string, unknown>) : {};

    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions)
      if (definition.kind === "FragmentDefinition") fragments[definition.name.value] = definition;
    let cost: number;
    try {
      cost = requestedQueryCost(this.schema, operation, fragments, variables);
    } catch (error) {
      return { errors: [{ message: (error as Error).message }], extensions: costExtension(0, null) };
    }
    const name =
      operation.name?.value ??
      operation.selectionSet.selections.map((s) => (s.kind === "Field" ? s.name.value : "…")).join(",");
    stats.calls[name] = (stats.calls[name] ?? 0) + 1;

    if (cost > MAX_QUERY_COST) {
      return {
        errors: [
          {
            message: `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.`,
            extensions: {
              code: "MAX_COST_EXCEEDED",
              cost,
              maxCost: MAX_QUERY_COST,
              documentation: "https://shopify.dev/api/usage/rate-limits",
            },
          },
        ],
        extensions: costExtension(cost, null),
      };
    }
    if (!bucket.take(cost)) {
      stats.throttled++;
      return {
        errors: [
          {
            message: "Throttled",
            extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
          },
        ],
        extensions: costExtension(cost, null),
      };
    }
    const result = await this.execute(ctx, document, variables, operationName);
    const actual = Math.min(
      cost,
      actualQueryCost(
        this.schema,
        operation,
        fragments,
        variables,
        result.data as Record<string, unknown> | null | undefined,
      ),
    );
    bucket.refund(cost - actual);
    stats.costUsed += actual;
    return { ...result, extensions: costExtension(cost, actual) };
  }

  /** Executes a validated document; used by the endpoint and by bulk mutations (no cost). */
  async execute(
    ctx: RequestContext,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operationName?: string,
  ): Promise<ExecutionResult> {
    const operation = getOperationAST(document, operationName);
    const rootValue = operation?.operation === "mutation" ? mutationRoot(ctx) : queryRoot(ctx);
    const result = await execute({
      schema: this.schema,
      document,
      rootValue,
      contextValue: ctx,
      variableValues: variables,
      operationName,
      fieldResolver,
    });
    const formatted: ExecutionResult = { data: result.data };
    if (result.errors?.length) formatted.errors = result.errors;
    return formatted;
  }
}
