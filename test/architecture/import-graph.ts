import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

// The import graph of app/: every module and the modules it imports, resolved to files.

export interface ImportEdge {
  to: string;
  /** `import type` / `export type`, or every named binding marked `type`: erased when compiled. */
  typeOnly: boolean;
}

const EXTENSIONS = [".ts", ".tsx"];

function sourceFiles(dir: string, skip: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (skip(file)) return [];
    if (statSync(file).isDirectory()) return sourceFiles(file, skip);
    return EXTENSIONS.includes(path.extname(file)) && !file.endsWith(".d.ts") ? [file] : [];
  });
}

/** The file a specifier names: `~/` is app/, relative paths from the importer, index files for folders. */
export function resolveImport(specifier: string, importer: string, appDir: string): string | undefined {
  let base: string;
  if (specifier.startsWith("~/")) base = path.join(appDir, specifier.slice(2));
  else if (specifier.startsWith("./") || specifier.startsWith("../"))
    base = path.resolve(path.dirname(importer), specifier);
  else return undefined; // a package
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, "index" + e))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function importsOf(file: string, source: string): { specifier: string; typeOnly: boolean }[] {
  const sf = ts.createSourceFile(
    file,
    source,
    ts.ScriptTarget.Latest,
    false,
    file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedAreTypes =
        !!clause &&
        !clause.name &&
        !!bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: !!clause?.isTypeOnly || allNamedAreTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const allNamedAreTypes =
        !!clause &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allNamedAreTypes });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push({ specifier: arg.text, typeOnly: false });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true }); // typeof import("...")
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every module under appDir (but `skip`ped paths) with the modules it imports. */
export function importGraph(appDir: string, skip: (file: string) => boolean = () => false): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of sourceFiles(appDir, skip)) {
    const edges: ImportEdge[] = [];
    for (const { specifier, typeOnly } of importsOf(file, readFileSync(file, "utf8"))) {
      const to = resolveImport(specifier, file, appDir);
      if (to && !skip(to)) edges.push({ to, typeOnly });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** One cycle of the graph as a path that returns to its start (a → b → a), or null if none. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}
