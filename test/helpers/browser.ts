import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";

// Browser-test plumbing: the production build served by remix-serve as a child process, Debian's
// Chromium driven by playwright-core, axe-core injected into pages, screenshots to test/artifacts.

const ROOT = path.resolve(import.meta.dirname, "../..");
export const ARTIFACTS = path.join(ROOT, "test/artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  // The app and the emulated admin are both on 127.0.0.1 ports; no local-network prompts.
  "--disable-features=LocalNetworkAccessChecks",
];

/**
 * Builds the app (remix vite:build → ./build) unless the build is newer than every app file,
 * then copies it to .cache/<serveDir>: a private copy, so another `npm run build` cannot swap it
 * mid-run (the tests and the vitals benchmark use different ones). Returns the directory to run
 * remix-serve in.
 */
export function buildApp(serveDir = "ui-test-app"): string {
  const serveRoot = path.join(ROOT, ".cache", serveDir);
  const serverEntry = path.join(ROOT, "build/server/index.js");
  if (!existsSync(serverEntry) || statSync(serverEntry).mtimeMs < newestMtime(path.join(ROOT, "app"))) {
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/remix"), ["vite:build"], { cwd: ROOT, encoding: "utf8", env: process.env });
    if (result.status !== 0) throw new Error(`remix vite:build failed:\n${result.stdout}\n${result.stderr}`);
  }
  rmSync(serveRoot, { recursive: true, force: true });
  cpSync(path.join(ROOT, "build"), path.join(serveRoot, "build"), { recursive: true });
  return serveRoot;
}

function newestMtime(dir: string): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

const require = createRequire(import.meta.url);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServedApp {
  url: string;
  output(): string;
  close(): Promise<void>;
}

/** `remix-serve build/server/index.js` in `dir` on `port`, with the given environment on top of ours. */
export async function serveApp(dir: string, port: number, env: Record<string, string>): Promise<ServedApp> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules/@remix-run/serve/dist/cli.js"), "build/server/index.js"], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`remix-serve exited (${child.exitCode}):\n${output}`);
    const up = await fetch(`${url}/auth/login`).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`remix-serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe in the page (or frame); returns the serious and critical violations. */
export async function seriousA11yViolations(target: Page | Frame): Promise<AxeViolation[]> {
  await target.addScriptTag({ content: AXE_SOURCE });
  const violations = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
