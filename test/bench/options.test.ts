// `npm run bench`'s command line: usage on --help and on anything it does not know, before any
// benchmark starts (the full run takes about ten minutes).
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BENCHMARKS, parseBenchOptions } from "./options";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs `tsx …` in the repository, killed after `timeoutMs`. */
function runTsx(
  args: string[],
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      args,
      { cwd: repoRoot, timeout: timeoutMs, env },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** `tsx test/bench/run.ts …` (with the default timeout, a benchmark that started = a failure). */
const runBench = (args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv) =>
  runTsx(["test/bench/run.ts", ...args], timeoutMs, env);

describe("bench options", () => {
  it("parses --json, --quick and --only in both spellings", () => {
    expect(parseBenchOptions([])).toEqual({ json: false, quick: false, only: null, help: false });
    expect(parseBenchOptions(["--json", "--quick", "--only", "engine,push"])).toEqual({
      json: true,
      quick: true,
      only: ["engine", "push"],
      help: false,
    });
    expect(parseBenchOptions(["--only=admin"]).only).toEqual(["admin"]);
    expect(parseBenchOptions(["-h"]).help).toBe(true);
  });

  it("rejects unknown flags, stray arguments and unknown benchmark names", () => {
    expect(() => parseBenchOptions(["--nope"])).toThrow(/--nope/);
    expect(() => parseBenchOptions(["engine"])).toThrow(/engine/);
    expect(() => parseBenchOptions(["--only", "engine,pushh"])).toThrow(
      `--only: unknown benchmark "pushh" (known: ${BENCHMARKS.join(", ")})`,
    );
    expect(() => parseBenchOptions(["--only"])).toThrow();
  });

  it("prints the usage for --help and exits 0 without running anything", async () => {
    const { code, stdout, stderr } = await runBench(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("npm run bench --");
    expect(stderr).not.toContain("running");
  });

  it("fails fast with the usage on an unknown flag (exit 2)", async () => {
    const { code, stdout, stderr } = await runBench(["--jsn"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--jsn");
    expect(stderr).toContain("npm run bench --");
    expect(stdout).toBe("");
  });

  it("exits 1 when a benchmark fails, after printing what it has", async () => {
    const unreachable = { ...process.env, BENCH_DATABASE_URL: "postgresql://postgres@127.0.0.1:1/segments_bench" };
    const { code, stdout } = await runBench(["--json", "--only", "backfill"], 60_000, unreachable);
    expect(code).toBe(1);
    const { results } = JSON.parse(stdout.slice(stdout.indexOf("{"))) as {
      results: Record<string, { error?: string }>;
    };
    expect(Object.values(results)).toEqual([{ error: expect.stringMatching(/^backfill 340000 exited with 1$/) }]);
  });
});

describe("the benchmarks' environment", () => {
  it("holds every variable the app requires, in a process that brings none of its own", async () => {
    // Benchmarks start from a shell, not from the test setup: test/bench/env.ts alone must satisfy env().
    const { code, stdout, stderr } = await runTsx(
      [
        "-e",
        '(async () => { await import("./test/bench/env.ts"); const { env } = await import("~/env.server"); console.log(env().dataKeys.map((key) => key.id).join()); })()',
      ],
      30_000,
      { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
    );
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe("bench");
  });
});
