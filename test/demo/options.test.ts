import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CHECK_NOW, DEFAULT_CUSTOMERS, parseOptions } from "./options";

describe("demo options", () => {
  it("serves a 5,000-customer shop on the admin port 4000 by default", () => {
    expect(parseOptions([])).toEqual({
      check: false,
      customers: DEFAULT_CUSTOMERS.demo,
      port: 4000,
      appPort: 0,
      embedded: false,
      now: undefined,
      help: false,
    });
  });

  it("uses a smaller shop and random ports for --check unless told otherwise", () => {
    expect(parseOptions(["--check"])).toMatchObject({
      check: true,
      customers: DEFAULT_CUSTOMERS.check,
      port: 0,
      now: new Date(CHECK_NOW),
    });
    expect(parseOptions(["--check", "--customers", "20_000", "--port", "4100"])).toMatchObject({
      customers: 20_000,
      port: 4100,
    });
  });

  it("pins the shop's day with --now, which --check does by default", () => {
    expect(parseOptions(["--now", "2027-03-15"]).now).toEqual(new Date("2027-03-15T00:00:00Z"));
    expect(parseOptions(["--check", "--now", "2026-06-15T12:00:00Z"]).now).toEqual(new Date("2026-06-15T12:00:00Z"));
    expect(() => parseOptions(["--now", "yesterday"])).toThrow(
      "--now must be an ISO date such as 2026-06-15 (got yesterday)",
    );
  });

  it("rejects values that are not whole numbers in range, naming the flag", () => {
    expect(() => parseOptions(["--customers", "0"])).toThrow("--customers must be an integer ≥ 1 (got 0)");
    expect(() => parseOptions(["--port", "abc"])).toThrow("--port must be an integer");
    expect(() => parseOptions(["--nope"])).toThrow();
  });
});

describe("demo command line", () => {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const demo = (args: string[]) =>
    promisify(execFile)(resolve(repoRoot, "node_modules/.bin/tsx"), ["test/demo/run.ts", ...args], {
      cwd: repoRoot,
      timeout: 30_000,
    });

  it("prints the usage for --help and exits 0 before starting anything", async () => {
    const { stdout, stderr } = await demo(["--help"]);
    expect(stdout).toContain("npm run demo -- [--customers N]");
    expect(stderr).toBe("");
  });

  it("fails fast with the usage on an unknown flag or a stray argument (exit 2)", async () => {
    for (const args of [["--chek"], ["check"]]) {
      const run = demo(args);
      await expect(run).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining("npm run demo -- [--customers N]"),
      });
      await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining(args[0]) });
    }
  });
});
