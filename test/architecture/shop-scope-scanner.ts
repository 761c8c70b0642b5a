import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { parsePrismaSchema } from "../db/prisma-schema";

// A static check that raw SQL in app/ never reads or writes a shop-owned table without naming the
// shop. Every string and template literal (with the text of what it interpolates, and whole `+`
// chains) is one unit; in it, every reference to a shop-owned table (FROM, JOIN, UPDATE, INTO,
// USING, DELETE FROM, a comma join) must be scoped:
// - aliased `"T" a` (or unaliased, qualified `"T"."shopId"`): some `a."shopId"` is compared
//   (`=`, `IN`, `= ANY`) with something anywhere in the unit (a parameter, another table's shop
//   column in a join, an outer query's in a correlated subquery), or the join says
//   `USING ("shopId", …)`;
// - a bare `"shopId" = …` counts for the tables of its own SELECT (the innermost parenthesised
//   group that starts a query), not for those of a subquery or an outer query;
// - `INSERT INTO "T" (…)`: its column list names the shop column (each row carries its shop; the
//   ON CONFLICT keys all include it, test/db/shardable-schema.test.ts).
// It reads SQL text, not plans: a condition hidden in a variable the unit interpolates is not
// seen, which is why such units are listed in the allow-list with their reason, or rewritten.

const root = path.resolve(import.meta.dirname, "../..");

/** The shop column of each shop-owned model: `shopId`, else `shopDomain` (inbox, compliance log). */
export function shopOwnedTables(schemaSource = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8")) {
  const tables = new Map<string, string>();
  for (const model of parsePrismaSchema(schemaSource).models) {
    const column = ["shopId", "shopDomain"].find((name) => model.fields.some((f) => f.name === name));
    if (column) tables.set(model.name, column);
  }
  return tables;
}

export interface TableReference {
  table: string;
  alias: string | null;
  /** Offset of the reference in the unit's text. */
  at: number;
}

const NOT_ALIASES = new Set(
  (
    "where on set using left right inner outer join cross full natural group order limit offset fetch and or " +
    "returning values select union except intersect window having for tablesample lateral do as"
  ).split(" "),
);

const IDENT = String.raw`(?:"[A-Za-z_][A-Za-z0-9_]*"|[A-Za-z_][A-Za-z0-9_]*)`;

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every reference to one of `tables` in `text`, with its alias. */
export function tableReferences(text: string, tables: Map<string, string>): TableReference[] {
  const names = [...tables.keys()].map(escapeRegExp).join("|");
  const pattern = new RegExp(
    String.raw`(\bFROM|\bJOIN|\bUPDATE|\bINTO|\bUSING|\bANALYZE|\bVACUUM|\bTRUNCATE|\bTABLE|,)\s+(?:ONLY\s+)?"(${names})"(?![."\w])(?:\s+(?:AS\s+)?(${IDENT}))?`,
    "gi",
  );
  const references: TableReference[] = [];
  for (const match of text.matchAll(pattern)) {
    const table = match[2];
    if (!tables.has(table)) continue; // the table names are case-sensitive in SQL
    let alias: string | null = match[3] ?? null;
    if (alias && NOT_ALIASES.has(alias.toLowerCase())) alias = null;
    if (alias?.startsWith("(")) alias = null;
    references.push({
      table,
      alias: alias?.replaceAll('"', "") ?? null,
      at: match.index + match[0].indexOf(`"${table}"`),
    });
  }
  return references;
}

/**
 * For each offset, the start of the innermost parenthesised group that begins a query (SELECT,
 * WITH, INSERT, UPDATE, DELETE), or -1 for the top level: which SELECT a bare column belongs to.
 */
function queryScopes(text: string): (offset: number) => number {
  const starts: { open: number; query: boolean }[] = [];
  const scopeAt = new Int32Array(text.length + 1);
  const innermost = () => {
    for (let i = starts.length - 1; i >= 0; i--) if (starts[i].query) return starts[i].open;
    return -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") {
      const query = /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(text.slice(i + 1, i + 40));
      starts.push({ open: i, query });
    }
    scopeAt[i] = innermost();
    if (c === ")") starts.pop();
  }
  scopeAt[text.length] = innermost();
  return (offset) => scopeAt[offset];
}

/**
 * The shop columns of `text` as a graph: a node per qualified `a."shopId"` (by qualifier) and per
 * bare `"shopId"` (by its query scope); an edge per comparison of two of them; a node is rooted
 * when it is compared with anything else (a parameter, an interpolated value, `ANY(…)`), or when
 * its qualifier is no shop-owned table of this text (`unnest(…) v`, an outer query's alias in a
 * correlated fragment). A join of two shop tables on their shop columns roots neither.
 */
function shopColumnGraph(text: string, column: string, ownAliases: Set<string>, scopeOf: (at: number) => number) {
  const col = escapeRegExp(`"${column}"`);
  const expr = new RegExp(String.raw`(?:(${IDENT})\.)?(?<![\w"])${col}`, "g");
  const nodeAt = (match: RegExpMatchArray) =>
    match[1] ? `q:${match[1].replaceAll('"', "")}` : `b:${scopeOf(match.index!)}`;
  const edges = new Map<string, Set<string>>();
  const rooted = new Set<string>();
  const link = (a: string, b: string) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      if (!edges.has(x)) edges.set(x, new Set());
      edges.get(x)!.add(y);
    }
  };
  const exprAt = (offset: number) => {
    const sticky = new RegExp(expr.source, "y");
    sticky.lastIndex = offset;
    const match = sticky.exec(text);
    return match ? Object.assign(match, { index: offset }) : null;
  };
  for (const match of text.matchAll(expr)) {
    const node = nodeAt(match);
    if (match[1] && !ownAliases.has(match[1].replaceAll('"', ""))) rooted.add(node);
    const end = match.index + match[0].length;
    const op = /^\s*(?:(?<![<>!])=\s*(?:ANY\s*\(\s*)?|\bIN\b\s*(?:\(\s*)?|<>\s*ALL\s*\(\s*)/i.exec(text.slice(end));
    if (op) {
      const other = exprAt(end + op[0].length);
      if (other) link(node, nodeAt(other));
      else rooted.add(node);
    }
    const before = /(?:(?:^|[^<>!])=\s*(?:ANY\s*\(\s*)?)$/i.exec(
      text.slice(Math.max(0, match.index - 12), match.index),
    );
    if (before) {
      // `x = "shopId"`: rooted unless x is itself a shop column (that side links it).
      const lhs = text.slice(0, match.index - before[0].length + (before[0].startsWith("=") ? 0 : 1));
      if (!new RegExp(String.raw`${col}\s*$`).test(lhs)) rooted.add(node);
    }
  }
  return { edges, rooted, link };
}

function reaches(start: string, graph: { edges: Map<string, Set<string>>; rooted: Set<string> }) {
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length) {
    const node = todo.pop()!;
    if (graph.rooted.has(node)) return true;
    for (const next of graph.edges.get(node) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      todo.push(next);
    }
  }
  return false;
}

/** The references in `text` that no condition scopes to a shop. */
export function unscopedReferences(text: string, tables: Map<string, string>): TableReference[] {
  const scopeOf = queryScopes(text);
  const refs = tableReferences(text, tables);
  const ownAliases = new Set(refs.map((r) => r.alias ?? r.table));
  const graphs = new Map<string, ReturnType<typeof shopColumnGraph>>();
  const graphOf = (column: string) => {
    if (!graphs.has(column)) graphs.set(column, shopColumnGraph(text, column, ownAliases, scopeOf));
    return graphs.get(column)!;
  };
  // JOIN "T" a USING ("shopId", …): the joined table's shop column is the query's bare one.
  for (const ref of refs) {
    const col = `"${tables.get(ref.table)!}"`;
    const after = text.slice(ref.at, ref.at + 200);
    if (
      new RegExp(String.raw`^"${ref.table}"(?:\s+(?:AS\s+)?${IDENT})?\s+USING\s*\([^)]*${escapeRegExp(col)}`, "i").test(
        after,
      )
    )
      graphOf(tables.get(ref.table)!).link(`q:${ref.alias ?? ref.table}`, `b:${scopeOf(ref.at)}`);
  }
  return refs.filter((ref) => {
    const column = tables.get(ref.table)!;
    // INSERT INTO "T" (columns): each row names its shop.
    if (/INTO\s+(?:ONLY\s+)?$/i.test(text.slice(Math.max(0, ref.at - 20), ref.at))) {
      const columns = /^\s*\(([^)]*)\)/.exec(text.slice(ref.at + ref.table.length + 2));
      return !columns?.[1].includes(`"${column}"`);
    }
    const graph = graphOf(column);
    return !reaches(`q:${ref.alias ?? ref.table}`, graph) && !reaches(`b:${scopeOf(ref.at)}`, graph);
  });
}

export interface SqlUnit {
  file: string;
  line: number;
  /** The named function (or method, or variable) around the unit: what the allow-list names. */
  owner: string;
  text: string;
}

function ownerOf(node: ts.Node): string {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name) return n.name.getText();
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) {
      const init = n.initializer;
      if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isCallExpression(init)))
        return n.name.text;
    }
    if (ts.isPropertyAssignment(n) && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name))) return n.name.text;
  }
  return "(top level)";
}

const isLiteral = (node: ts.Node) =>
  ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node);

/** The literal (or `+` chain of literals) a literal belongs to: the whole chain is one unit. */
function chainOf(node: ts.Node): ts.Node {
  let unit: ts.Node = node;
  for (;;) {
    const parent = unit.parent;
    if (ts.isParenthesizedExpression(parent)) unit = parent;
    else if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.PlusToken) unit = parent;
    else return unit;
  }
}

/**
 * The SQL-looking units of one source file: outermost literals, `+` chains taken whole. A
 * `const NAME = <literal>` that the file interpolates (`${NAME}`) is a fragment: its text is put
 * in place of `${NAME}` wherever it is used and it is not checked on its own.
 */
export function sqlUnits(file: string, source: string, tables: Map<string, string>): SqlUnit[] {
  const kind = file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const mention = new RegExp(`"(${[...tables.keys()].map(escapeRegExp).join("|")})"`);
  const found: { node: ts.Node; text: string }[] = [];
  const constants = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (isLiteral(node)) {
      const unit = chainOf(node);
      found.push({ node: unit, text: unit.getText(sf) });
      const holder = ts.isTaggedTemplateExpression(unit.parent) ? unit.parent : unit;
      if (
        ts.isVariableDeclaration(holder.parent) &&
        ts.isIdentifier(holder.parent.name) &&
        holder.parent.initializer === holder
      )
        constants.set(holder.parent.name.text, unit.getText(sf));
      return; // nested literals are part of this unit
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const used = new Set<string>();
  const inline = (text: string, depth = 0): string =>
    depth > 4
      ? text
      : text.replace(/\$\{\s*([A-Za-z_$][\w$]*)\s*\}/g, (whole, name: string) => {
          const value = constants.get(name);
          if (value === undefined) return whole;
          used.add(name);
          return inline(value, depth + 1);
        });
  const units = found.map(({ node, text }) => ({ node, text: inline(text) }));
  return units
    .filter(({ node }) => {
      const holder = ts.isTaggedTemplateExpression(node.parent) ? node.parent : node;
      const name =
        ts.isVariableDeclaration(holder.parent) && ts.isIdentifier(holder.parent.name) ? holder.parent.name.text : null;
      return !(name && used.has(name));
    })
    .filter(({ text }) => mention.test(text))
    .map(({ node, text }) => ({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      owner: ownerOf(node),
      text,
    }));
}

export function appSourceFiles(dir = path.join(root, "app")): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") out.push(...appSourceFiles(full));
    } else if (/\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out.sort();
}

export interface Finding {
  file: string;
  line: number;
  owner: string;
  table: string;
  excerpt: string;
}

/** A table named by an interpolated value (`FROM "${table}"`): the scanner cannot tell which. */
export const DYNAMIC_TABLE = /\b(?:FROM|JOIN|UPDATE|INTO|ANALYZE|VACUUM|TRUNCATE|TABLE)\s+"\$\{/;

/** Every unscoped reference in app/, as `file#owner` findings. */
export function scanApp(tables = shopOwnedTables()): Finding[] {
  const findings: Finding[] = [];
  for (const full of appSourceFiles()) {
    const file = path.relative(root, full);
    const source = readFileSync(full, "utf8");
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
    const dynamic = (node: ts.Node): void => {
      if (isLiteral(node) && DYNAMIC_TABLE.test(node.getText(sf))) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        findings.push({
          file,
          line,
          owner: ownerOf(node),
          table: "(dynamic)",
          excerpt: node.getText(sf).slice(0, 140),
        });
      }
      ts.forEachChild(node, dynamic);
    };
    dynamic(sf);
    for (const unit of sqlUnits(file, source, tables))
      for (const ref of unscopedReferences(unit.text, tables))
        findings.push({
          file,
          line: unit.line,
          owner: unit.owner,
          table: ref.table,
          excerpt: unit.text.slice(Math.max(0, ref.at - 60), ref.at + 80).replace(/\s+/g, " "),
        });
  }
  return findings;
}
