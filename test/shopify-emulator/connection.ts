// Relay connections over lazily iterated store data, and Shopify's search `query:` syntax
// (`updated_at:>'2026-01-01T00:00:00Z' tag:VIP`), enough for what sync code sends.
import { GraphQLError } from "graphql";

export interface ListingItem {
  cursor: string;
  node: unknown;
}

/** A lazily iterated list that a Connection field pages over (and a bulk query streams). */
export class Listing {
  constructor(readonly iterate: (after: string | null) => Iterable<ListingItem>) {}

  static ofArray(nodes: unknown[]): Listing {
    return new Listing(function* (after) {
      for (let i = after === null ? 0 : decodeCursor(after, "i") + 1; i < nodes.length; i++)
        yield { cursor: encodeCursor("i", i), node: nodes[i] };
    });
  }
}

const MAX_PAGE_SIZE = 250;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export function paginate(listing: Listing, args: ConnectionArgs) {
  if (args.last != null || args.before != null)
    throw new GraphQLError("Shopify emulator: backward pagination (last/before) is not implemented");
  if (args.first == null)
    throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
  if (args.first > MAX_PAGE_SIZE || args.first < 0) {
    throw new GraphQLError(`The maximum number of items that can be requested is ${MAX_PAGE_SIZE}.`, {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  const edges: ListingItem[] = [];
  let hasNextPage = false;
  for (const item of listing.iterate(args.after ?? null)) {
    if (edges.length === args.first) {
      hasNextPage = true;
      break;
    }
    edges.push(item);
  }
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function encodeCursor(kind: string, ...parts: number[]): string {
  return Buffer.from(`${kind}:${parts.join(":")}`).toString("base64url");
}

export function decodeCursor(cursor: string, kind: string): number;
export function decodeCursor(cursor: string, kind: string, parts: 2): [number, number];
export function decodeCursor(cursor: string, kind: string, parts = 1): number | [number, number] {
  const [prefix, ...values] = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  const numbers = values.map(Number);
  if (prefix !== kind || numbers.length !== parts || numbers.some((n) => !Number.isInteger(n))) {
    throw new GraphQLError(`Invalid cursor for this connection: ${cursor}`, { extensions: { code: "BAD_REQUEST" } });
  }
  return parts === 1 ? numbers[0] : [numbers[0], numbers[1]];
}

// ---- search syntax ------------------------------------------------------------------------

export interface SearchTerm {
  field: string;
  operator: ":" | ">" | ">=" | "<" | "<=";
  value: string;
  negated: boolean;
}

/** Parses `field:value`, `field:>value`, quoted values and `-field:value`; AND is implicit. */
export function parseSearchQuery(query: string | null | undefined): SearchTerm[] {
  const terms: SearchTerm[] = [];
  const pattern = /(-?)([a-z_]+):(>=|<=|>|<)?\s*(?:'([^']*)'|"([^"]*)"|(\S+))/gi;
  for (const match of (query ?? "").matchAll(pattern)) {
    terms.push({
      negated: match[1] === "-",
      field: match[2].toLowerCase(),
      operator: (match[3] as SearchTerm["operator"]) ?? ":",
      value: match[4] ?? match[5] ?? match[6],
    });
  }
  return terms;
}

/** Field values of one record, by search field name. Unknown fields are ignored, as Shopify does. */
export type SearchFields = Record<string, number | string | string[] | null | undefined>;

export function matchesSearch(terms: SearchTerm[], fields: SearchFields): boolean {
  for (const term of terms) {
    if (!(term.field in fields)) continue;
    const ok = matchTerm(term, fields[term.field]);
    if (ok === term.negated) return false;
  }
  return true;
}

function matchTerm(term: SearchTerm, actual: SearchFields[string]): boolean {
  if (actual === null || actual === undefined) return false;
  if (Array.isArray(actual)) return actual.some((v) => v.toLowerCase() === term.value.toLowerCase());
  if (typeof actual === "number") {
    const expected = /^\d+$/.test(term.value) ? Number(term.value) : Date.parse(term.value);
    if (Number.isNaN(expected)) return false;
    switch (term.operator) {
      case ">":
        return actual > expected;
      case ">=":
        return actual >= expected;
      case "<":
        return actual < expected;
      case "<=":
        return actual <= expected;
      default:
        return actual === expected;
    }
  }
  return actual.toLowerCase() === term.value.toLowerCase();
}
