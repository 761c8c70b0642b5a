import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertNodeVersion } from "~/node-version.server";

const root = path.resolve(import.meta.dirname, "../..");

function runWorker(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, "node_modules/.bin/tsx"), ["app/jobs/worker.ts"], {
      cwd: root,
      env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("start-up checks", () => {
  it("names the PostgreSQL URL it cannot reach", async () => {
    const { code, output } = await runWorker({ DATABASE_URL: "postgresql://segments:secret@127.0.0.1:1/segments" });
    expect(code).toBe(1);
    expect(output).toContain(
      "Cannot reach PostgreSQL at postgresql://segments:***@127.0.0.1:1/segments (DATABASE_URL)",
    );
    expect(output).not.toContain("secret");
  });

  it("names the Redis URL it cannot reach", async () => {
    const { code, output } = await runWorker({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(code).toBe(1);
    expect(output).toContain("Cannot reach Redis at redis://127.0.0.1:1 (REDIS_URL)");
  });

  it("lists every missing variable in one message", async () => {
    const { code, output } = await runWorker({ SHOPIFY_API_KEY: "", REDIS_URL: "" });
    expect(code).toBe(1);
    expect(output).toContain("SHOPIFY_API_KEY is missing");
    expect(output).toContain("REDIS_URL is missing");
  });

  it("refuses a re-score debounce that is not a number of milliseconds", async () => {
    const { code, output } = await runWorker({ SCORE_DEBOUNCE_MS: "1m" });
    expect(code).toBe(1);
    expect(output).toContain("SCORE_DEBOUNCE_MS must be a whole number of milliseconds, e.g. 60000 (got 1m)");
  });
});

describe("Node version check", () => {
  it("refuses Node 20 with a message that says what to do", () => {
    expect(() => assertNodeVersion("20.20.2")).toThrow(/needs Node 22 or newer, but this is Node 20\.20\.2/);
  });

  it("accepts Node 22 and runs the app on it", () => {
    expect(() => assertNodeVersion("22.0.0")).not.toThrow();
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
  });
});
