import path from "node:path";
import { describe, expect, it } from "vitest";
import { findCycle, importGraph } from "./import-graph";

// No module of app/ depends on itself through others, and neither does any area (folder) of it:
// the code reads in one direction, webhook → inbox → ingest → compute → push → admin.
//
// Type-only imports count too: they vanish from the compiled code, so they cannot break module
// initialisation, but a cycle of types still ties two modules together so that neither can be
// read or changed on its own. Dynamic import() counts as well. app/generated/ (Prisma's
// generated client) is left out: it is not ours, and ESLint skips it for the same reason.

const appDir = path.resolve(import.meta.dirname, "../../app");
const generated = path.join(appDir, "generated");
const graph = importGraph(appDir, (file) => file === generated || file.startsWith(generated + path.sep));
const rel = (file: string) => path.relative(appDir, file);

/** A folder of app/ is one area, and so is each top-level module. */
const areaOf = (file: string) => rel(file).split(path.sep)[0];

const describeCycle = (cycle: string[]) => `import cycle: ${cycle.join(" → ")}`;

describe("the import graph of app/", () => {
  it("sees every module and its imports, alias and relative alike", () => {
    expect(graph.size).toBeGreaterThan(100);
    const edges = (file: string) => graph.get(path.join(appDir, file))?.map((e) => rel(e.to)) ?? [];
    expect(edges("jobs/compute.server.ts")).toContain("enqueue.server.ts"); // ~/ alias
    expect(edges("admin/overview.server.ts")).toContain("admin/admin-shop.server.ts"); // ./relative
    expect(edges("jobs/worker.ts")).toContain("jobs/start-workers.server.ts"); // dynamic import()
    expect(edges("segmentation/analyze.ts")).toContain("segmentation/types.ts"); // type-only
    expect(edges("compute/compute-shop.server.ts")).toContain("segmentation/index.ts"); // folder index
  });

  it("finds a cycle when there is one, and names its path", () => {
    const cyclic = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycle(cyclic)).toEqual(["a", "b", "c", "a"]);
    expect(
      findCycle(
        new Map([
          ["a", ["b"]],
          ["b", []],
          ["c", ["a", "b"]],
        ]),
      ),
    ).toBeNull();
  });

  it("has no cycle between modules", () => {
    const files = new Map([...graph].map(([file, edges]) => [file, edges.map((e) => e.to)]));
    const cycle = findCycle(files);
    expect(cycle && describeCycle(cycle.map(rel))).toBeNull();
  });

  it("has no cycle between areas (folders) of app/", () => {
    const areas = new Map<string, string[]>();
    const example = new Map<string, string>();
    for (const [file, edges] of graph) {
      for (const { to } of edges) {
        const [from, into] = [areaOf(file), areaOf(to)];
        if (from === into) continue;
        areas.set(from, [...new Set([...(areas.get(from) ?? []), into])]);
        example.set(`${from}→${into}`, `${rel(file)} imports ${rel(to)}`);
      }
    }
    const cycle = findCycle(areas);
    const because = cycle?.slice(1).map((into, i) => example.get(`${cycle[i]}→${into}`));
    expect(cycle && `${describeCycle(cycle)} (${because!.join("; ")})`).toBeNull();
  });
});
