import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Frame,
  type Page,
} from "playwright-core";

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
  // The app and the emulated admin are both on loopback ports; no local-network prompts.
  "--disable-features=LocalNetworkAccessChecks",
];

/**
 * Where the tests serve from: a private copy of ./build per test process, so neither another
 * `npm run build` nor another test file (vitest runs files in parallel on larger machines) can
 * swap or delete it mid-run.
 */
const SERVE_PARENT = path.join(ROOT, ".cache/ui-test-app");
const SERVE_ROOT = path.join(SERVE_PARENT, String(process.pid));
const BUILD_LOCK = path.join(ROOT, ".cache/ui-test-build.lock");

/**
 * Builds the app (remix vite:build → ./build) unless the build is newer than every app file and
 * vite.config.ts, then copies it to SERVE_ROOT. Returns the directory to run remix-serve in.
 */
export function buildApp(): string {
  withBuildLock(() => {
    const serverEntry = path.join(ROOT, "build/server/index.js");
    // vite.config.ts too: its Remix future flags change the client code.
    const sources = Math.max(newestMtime(path.join(ROOT, "app")), statSync(path.join(ROOT, "vite.config.ts")).mtimeMs);
    if (!existsSync(serverEntry) || statSync(serverEntry).mtimeMs < sources) {
      // NODE_ENV=production: vitest's NODE_ENV=test would otherwise make Vite bundle React's development build.
      const env = { ...process.env, NODE_ENV: "production" as const };
      const result = spawnSync(path.join(ROOT, "node_modules/.bin/remix"), ["vite:build"], {
        cwd: ROOT,
        encoding: "utf8",
        env,
      });
      if (result.status !== 0) throw new Error(`remix vite:build failed:\n${result.stdout}\n${result.stderr}`);
    }
    removeCopiesOfEndedRuns();
    rmSync(SERVE_ROOT, { recursive: true, force: true });
    cpSync(path.join(ROOT, "build"), path.join(SERVE_ROOT, "build"), { recursive: true });
  });
  process.once("exit", () => rmSync(SERVE_ROOT, { recursive: true, force: true }));
  return SERVE_ROOT;
}

/** One test process builds and copies at a time (mkdir is atomic); a lock older than 10 min is left over. */
function withBuildLock(fn: () => void): void {
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 10 * 60_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`another test process holds ${BUILD_LOCK}`);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  try {
    fn();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Serve copies of test processes that ended without cleaning up (killed). */
function removeCopiesOfEndedRuns(): void {
  if (!existsSync(SERVE_PARENT)) return;
  for (const entry of readdirSync(SERVE_PARENT)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) {
      // The single shared copy of earlier versions of this helper.
      if (entry === "build") rmSync(path.join(SERVE_PARENT, entry), { recursive: true, force: true });
      continue;
    }
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (error) {
      alive = (error as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) rmSync(path.join(SERVE_PARENT, entry), { recursive: true, force: true });
  }
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
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/@remix-run/serve/dist/cli.js"), "build/server/index.js"],
    {
      cwd: dir,
      env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a loaded 2-core machine two servers starting at once took over 20 s.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`remix-serve exited (${child.exitCode}):\n${output}`);
    const up = await fetch(`${url}/auth/login`).then(
      () => true,
      () => false,
    );
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

/**
 * The environment Chromium starts in: ours without libfaketime (`.ci/faked-dates` moves the
 * clock of the servers under test; preloaded into Chromium it stalls start-up for half a minute
 * and no page loads). The merchant's browser keeps its own clock in any case.
 */
function chromiumEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== "LD_PRELOAD" && !name.startsWith("FAKETIME")) env[name] = value;
  }
  return env;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, env: chromiumEnv() });
}

/** Chromium's user agent with "HeadlessChrome" as "Chrome": Shopify's library answers bots with 410 Gone. */
async function browserUserAgent(): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    return (await page.evaluate(() => navigator.userAgent)).replace("HeadlessChrome", "Chrome");
  } finally {
    await browser.close();
  }
}

export interface BlockedStorageBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium as a merchant whose browser blocks third-party cookies and storage: a fresh profile
 * whose Preferences say "Block third-party cookies" (`profile.cookie_controls_mode` = 1), with
 * third-party storage partitioning off, so a cross-site frame's sessionStorage and localStorage
 * throw along with its cookies being refused. (With partitioning on, Chrome hands such a frame
 * partitioned storage instead. Playwright turns partitioning off itself, but our
 * --disable-features replaces its list, so it is named here.) Callers assert the blocking.
 */
export async function launchWithoutThirdPartyStorage(
  options: BrowserContextOptions = {},
): Promise<BlockedStorageBrowser> {
  const userAgent = await browserUserAgent();
  const profile = mkdtempSync(path.join(tmpdir(), "segments-chromium-"));
  mkdirSync(path.join(profile, "Default"));
  writeFileSync(path.join(profile, "Default/Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 1 } }));
  const args = CHROMIUM_ARGS.map((arg) =>
    arg.startsWith("--disable-features=") ? `${arg},ThirdPartyStoragePartitioning` : arg,
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args,
    headless: true,
    userAgent,
    env: chromiumEnv(),
    ...options,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
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
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
