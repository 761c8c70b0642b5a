import { parseArgs } from "node:util";

// Command line of `npm run bench -- [options]`. Strict: a mistyped flag must stop with the usage
// before the first benchmark, not run all of them (about ten minutes).

export const BENCHMARKS = ["engine", "webhooks", "backfill", "compute-scale", "push", "admin", "vitals"] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  /** Only these benchmarks; null for all. */
  only: BenchName[] | null;
  help: boolean;
}

export const USAGE = `npm run bench -- [--json] [--quick] [--only ${BENCHMARKS.join(",")}]

  --json          print the machine and the figures as JSON
  --quick         smaller inputs (minutes instead of about ten)
  --only LIST     comma-separated benchmarks to run (default: all)
  --help, -h      this text`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  let only: BenchName[] | null = null;
  if (values.only !== undefined) {
    only = [];
    for (const name of values.only
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)) {
      if (!(BENCHMARKS as readonly string[]).includes(name))
        throw new Error(`--only: unknown benchmark "${name}" (known: ${BENCHMARKS.join(", ")})`);
      only.push(name as BenchName);
    }
    if (!only.length) throw new Error(`--only needs at least one of ${BENCHMARKS.join(", ")}`);
  }
  return { json: values.json ?? false, quick: values.quick ?? false, only, help: values.help ?? false };
}
