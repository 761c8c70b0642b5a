// `npm run bench [-- --json] [--quick] [--only engine,webhooks,backfill,compute-scale,push,admin,vitals]`: every benchmark,
// each in its own process, printed as a table (or JSON) with the machine it ran on.
import { spawn } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";
import { parseBenchOptions, USAGE, type BenchName } from "./options";
import { parseCommandLineOrExit } from "../helpers/cli";

const options = parseCommandLineOrExit(parseBenchOptions, USAGE);
const { json, quick, only } = options;

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model?.trim() ?? "unknown",
  memoryGB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
  // The machine may be shared: figures mean little without how busy it was.
  loadAverage: loadavg()
    .map((l) => l.toFixed(1))
    .join(" "),
};

const plan: { name: string; bench: BenchName; arg: string }[] = [
  { name: "engine, 100k customers", bench: "engine", arg: "100000" },
  { name: "engine, 1M customers", bench: "engine", arg: quick ? "200000" : "1000000" },
  { name: "webhook intake", bench: "webhooks", arg: quick ? "5" : "15" },
  { name: "back-fill + compute", bench: "backfill", arg: quick ? "20000" : "340000" },
  {
    name: `compute at scale, stale statistics: ${quick ? "100k, 340k" : "100k, 340k, 1M"} customers`,
    bench: "compute-scale",
    arg: quick ? "100000,340000" : "100000,340000,1000000",
  },
  { name: "push, 100k-customer delta", bench: "push", arg: quick ? "20000" : "100000" },
  { name: "admin pages, 1M customers", bench: "admin", arg: quick ? "100000" : "1000000" },
  {
    name: `admin web vitals in Chromium (p75 of 5 loads), 5k and ${quick ? "100k" : "1M"} customers`,
    bench: "vitals",
    arg: quick ? "5000,100000" : "5000,1000000",
  },
];

function runChild(bench: string, arg: string): Promise<{ figures: unknown; maxRssMB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx"),
      [path.join(import.meta.dirname, "child.ts"), bench, arg],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH "));
      if (code === 0 && line) resolve(JSON.parse(line.slice(6)));
      else reject(new Error(`${bench} ${arg} exited with ${code}`));
    });
  });
}

const results: Record<string, unknown> = {};
for (const step of plan) {
  if (only && !only.includes(step.bench)) continue;
  if (!json) process.stderr.write(`running ${step.name}…\n`);
  try {
    results[step.name] = await runChild(step.bench, step.arg);
  } catch (error) {
    results[step.name] = { error: (error as Error).message };
  }
}

if (json) {
  console.log(JSON.stringify({ machine, results }, null, 2));
} else {
  console.log(
    `\nMachine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGB} GB, Node ${machine.node}, ${machine.date}, load average ${machine.loadAverage}\n`,
  );
  for (const [name, result] of Object.entries(results)) {
    console.log(`## ${name}`);
    const { figures, maxRssMB, error } = result as { figures?: unknown; maxRssMB?: number; error?: string };
    if (error) console.log(`  failed: ${error}`);
    else {
      if (Array.isArray(figures)) console.table(figures);
      else console.table([figures]);
      console.log(`  process peak RSS: ${maxRssMB} MB\n`);
    }
  }
}

// A benchmark that failed fails the run (after every figure is printed), so no script reads its absence as a figure.
if (Object.values(results).some((result) => "error" in (result as object))) process.exitCode = 1;
