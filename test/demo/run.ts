// `npm run demo`: an emulated Shopify shop, the app server and its worker on this machine; the
// app is installed into the shop as Shopify does it, back-fills, computes and pushes while the
// terminal shows progress, then serves until Ctrl-C. `--check` verifies the end state instead
// and exits (CI). See README.md, section "Demo".
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "~/db.server";
import { startEmulator, type Emulator } from "../shopify-emulator";
import { buildApp, buildStaleness, SERVER_BUILD } from "./build";
import { checkComputed, checkPushed, checkSynced, checkWebhookUpdate, type CheckResult } from "./check";
import { Children, type Child } from "./children";
import { installApp } from "./install";
import { freePort, isListening, waitUntil } from "./net";
import { parseOptions, USAGE } from "./options";
import { providePostgres } from "./postgres";
import { RunWatcher } from "./progress";
import { provideRedis } from "./redis";
import { resetDemoShop, resetQueues } from "./reset";
import { SetupError } from "./setup-error";
import { DATA_DIR, nodeBin, REPO_ROOT } from "./tools";
import { parseCommandLineOrExit } from "../helpers/cli";

const SHOP = "demo.myshopify.com";
const QUEUE_PREFIX = "segments-demo";
const API_KEY = "demo-api-key";
const API_SECRET = "demo-api-secret";
const CHECK_DEBOUNCE_MS = 1_000;
const PIPELINE_TIMEOUT_MS = 15 * 60_000;

const options = parseCommandLineOrExit(parseOptions, USAGE);

// Progress goes to stderr under --check, so stdout carries only the JSON summary.
const say = options.check ? (line: string) => console.error(line) : (line: string) => console.log(line);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const children = new Children(path.join(DATA_DIR, "demo/logs"));
let emulator: Emulator | undefined;
let database: Db | undefined;
let shuttingDown: Promise<void> | undefined;

/** Stops everything this run started: worker, app, emulator, then Redis/PGlite if ours. */
function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    await children.stop(["worker", "app"]);
    await emulator?.close().catch(() => {});
    await database?.$disconnect().catch(() => {});
    await children.stop();
  })();
  return shuttingDown;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: stop waiting for a clean shutdown
    interrupted = true;
    say(`\n${signal}: stopping the worker, the app and the emulator…`);
    void shutdown().then(() => process.exit(options.check ? 1 : 0));
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof SetupError) {
    console.error(error.message);
  } else {
    console.error(`demo failed after ${elapsed()}: ${(error as Error).stack ?? error}`);
  }
  process.exitCode = 1;
} finally {
  await shutdown();
}
// Nothing of ours is left running; don't wait for idle sockets of libraries to time out.
process.exit();

async function main(): Promise<number> {
  const postgres = await providePostgres(children, options);
  const redis = await provideRedis(children, options);
  say(`PostgreSQL: ${postgres.description}`);
  if (postgres.limitation) say(`  note: ${postgres.limitation}`);
  say(`Redis:      ${redis.description}`);

  const appPort = options.appPort || (await freePort());
  const appUrl = `http://localhost:${appPort}`;
  const emulatorPort = options.port === 0 ? 0 : await portOrFree(options.port);
  // The app's configuration; this process uses it too (database access, queue keys).
  Object.assign(process.env, {
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET,
    SCOPES: "read_customers,write_customers,read_orders,read_all_orders,read_products",
    SHOPIFY_APP_URL: appUrl,
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX,
    // The emulated shop's data is made up; a fixed demo key keeps a reused demo database readable.
    SEGMENTS_DATA_KEYS: process.env.SEGMENTS_DATA_KEYS ?? "demo:4NFSj4KZHmPXorA1hxx5dpss0E6234kHWJBBTLGuyLE=",
    ...(options.check ? { SCORE_DEBOUNCE_MS: String(CHECK_DEBOUNCE_MS) } : {}),
    // One clock for the emulated shop, the app and the worker (app/clock.server.ts).
    ...(options.now ? { SEGMENTS_NOW: options.now.toISOString(), SEGMENTS_NOW_SET_AT: String(Date.now()) } : {}),
  });

  const { ensureDatabase, migrate } = await import("~/db/migrator.server");
  await ensureDatabase(postgres.url);
  const migrations = await migrate(postgres.url);
  say(`migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already there`);
  const db = (database = (await import("~/db.server")).default);
  await resetDemoShop(db, SHOP);
  await resetQueues(redis.url, QUEUE_PREFIX);

  const build = ensureBuild();
  const emu = (emulator = await startEmulator({ apiKey: API_KEY, apiSecret: API_SECRET, appUrl, port: emulatorPort }));
  const store = emu.addShop(SHOP, {
    customers: options.customers,
    seed: "demo",
    plan: "standard",
    // Some customers opted out of data sale/sharing: the app leaves them unscored (README, Data and privacy).
    dataSaleOptOutShare: 0.01,
  });
  say(
    `Shopify emulator: ${emu.origin}, shop ${SHOP} with ${store.generator.customerCount.toLocaleString("en-US")} customers`,
  );
  process.env.SHOPIFY_ADMIN_ORIGIN = emu.origin;
  if (existsSync(path.join(REPO_ROOT, "test/shopify-emulator/admin")))
    process.env.APP_BRIDGE_URL = `${emu.origin}/app-bridge.js`;
  await build;

  const app = await startApp(appPort, appUrl);
  const worker = await startWorker();
  const crashed = children.watch();
  crashed.catch(() => {}); // observed by the races below

  const installedAt = Date.now();
  await installApp(emu, SHOP, appUrl);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: SHOP } });
  say(`installed: session token → token exchange → shop #${shop.id}; back-fill queued (${elapsed()})`);

  const watcher = new RunWatcher(db, shop.id, (line) => say(`  ${line}`));
  const missing = ["sync", "compute", "push"].filter((queue) => !worker.queues.includes(queue));
  if (missing.length) throw new Error(`the worker runs no ${missing.join("/")} queue`);
  const pipeline = await Promise.race([waitForPipeline(watcher), crashed]);
  const pipelineMs = Date.now() - installedAt;
  say(`back-fill, compute and push finished ${(pipelineMs / 1000).toFixed(1)} s after install`);

  if (options.check) return await Promise.race([runChecks(db, emu, shop.id, pipeline, pipelineMs), crashed]);

  say(`\nOpen the Segments admin: ${await adminUrl(emu, appUrl)}`);
  const block = await customerBlockUrl(db, emu, shop.id);
  if (block) say(`The Segments block on Shopify's customer page (highest CLV): ${block}`);
  say(`Logs: ${path.relative(process.cwd(), path.dirname(app.logFile))}/ · Ctrl-C stops everything.\n`);
  // Keep streaming runs (webhook-driven re-scores, pushes) until Ctrl-C.
  for (;;) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 1_000)), crashed]);
    await watcher.poll();
  }
}

async function portOrFree(port: number): Promise<number> {
  if (!(await isListening("127.0.0.1", port))) return port;
  const other = await freePort();
  say(`port ${port} is taken; the emulated admin uses ${other}`);
  return other;
}

async function ensureBuild(): Promise<void> {
  const stale = buildStaleness();
  if (!stale) return;
  const t = Date.now();
  say(`building the app (${stale})…`);
  const output = await buildApp();
  writeFileSync(path.join(DATA_DIR, "demo/logs/build.log"), output);
  say(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

async function startApp(port: number, appUrl: string): Promise<Child> {
  const [command, args] = nodeBin("remix-serve", [SERVER_BUILD]);
  const app = children.start("app", command, args, { ...process.env, NODE_ENV: "production", PORT: String(port) });
  await Promise.race([
    waitUntil(
      () =>
        fetch(`${appUrl}/`, { redirect: "manual" }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000, what: `the app server on ${appUrl}` },
    ),
    app.exited.then((code) => {
      throw new Error(`the app server exited (${code}):\n${app.tail()}`);
    }),
  ]);
  say(`app server: ${appUrl} (remix-serve, production build)`);
  return app;
}

/** Starts the app's own worker entry (`npm run worker`). */
async function startWorker(): Promise<{ child: Child; queues: string[] }> {
  const { child, queues } = await startWorkerEntry("app/jobs/worker.ts");
  say(`worker: ${queues.join(", ")}`);
  return { child, queues };
}

async function startWorkerEntry(entry: string): Promise<{ child: Child; queues: string[] }> {
  const [command, args] = nodeBin("tsx", [path.join(REPO_ROOT, entry)]);
  const child = children.start("worker", command, args, { ...process.env, NODE_ENV: "production" });
  const line = await Promise.race([
    waitUntil(async () => /worker: running (.*)/.exec(readFileSync(child.logFile, "utf8"))?.[1], {
      timeoutMs: 60_000,
      what: "the worker to start",
    }),
    child.exited.then((code): string => {
      throw new Error(`the worker exited (${code}):\n${child.tail()}`);
    }),
  ]);
  return { child, queues: line.split(",").map((q) => q.trim()) };
}

type RunRow = Awaited<ReturnType<RunWatcher["poll"]>>[number];

/** The runs of the first back-fill, the compute after it and the push after that, each finished. */
interface Pipeline {
  sync: RunRow;
  compute?: RunRow;
  push?: RunRow;
}

function finished(run: RunRow | undefined): boolean {
  return run !== undefined && ["SUCCEEDED", "FAILED", "CANCELLED"].includes(run.status);
}

function durationMs(run: RunRow | undefined): number | undefined {
  return run?.finishedAt ? run.finishedAt.getTime() - (run.startedAt ?? run.createdAt).getTime() : undefined;
}

/** Streams runs until back-fill, then compute, then push have finished. */
async function waitForPipeline(watcher: RunWatcher): Promise<Pipeline> {
  return waitUntil(
    async (): Promise<Pipeline | undefined> => {
      const runs = await watcher.poll();
      const sync = runs.find((r) => r.kind === "SYNC");
      if (!sync || !finished(sync)) return undefined;
      if (sync.status !== "SUCCEEDED") return { sync };
      // A compute another one was running cancels itself; the next one counts.
      const compute = runs.find((r) => r.kind === "COMPUTE" && r.id > sync.id && r.status !== "CANCELLED");
      if (!compute || !finished(compute)) return undefined;
      if (compute.status !== "SUCCEEDED") return { sync, compute };
      const push = runs.find((r) => r.kind === "PUSH" && r.id > compute.id);
      return push && finished(push) ? { sync, compute, push } : undefined;
    },
    { timeoutMs: PIPELINE_TIMEOUT_MS, intervalMs: 500, what: "back-fill, compute and push to finish" },
  );
}

/** A failed run as a check result. */
function runFailure(run: RunRow | undefined, stage: string): CheckResult | undefined {
  if (run?.status === "SUCCEEDED") return undefined;
  return {
    ok: false,
    detail: { run: run?.id.toString(), status: run?.status },
    problem: run ? `${stage} run #${run.id} ${run.status}: ${run.error}` : `no ${stage} run`,
  };
}

async function runChecks(db: Db, emu: Emulator, shopId: number, pipeline: Pipeline, pipelineMs: number) {
  const checks: Record<string, CheckResult | string> = {
    synced: runFailure(pipeline.sync, "sync") ?? (await checkSynced(db, emu, SHOP, shopId)),
    computed: runFailure(pipeline.compute, "compute") ?? (await checkComputed(db, shopId)),
    pushed: withRunFailure(pipeline.push, "push", await checkPushed(db, emu, SHOP, shopId)),
    webhook:
      pipeline.compute?.status === "SUCCEEDED"
        ? await checkWebhookUpdate(db, emu, SHOP, shopId, CHECK_DEBOUNCE_MS)
        : "skipped: nothing computed",
  };
  const failed = Object.entries(checks).filter(
    (entry): entry is [string, CheckResult] => typeof entry[1] !== "string" && !entry[1].ok,
  );
  const summary = {
    ok: failed.length === 0,
    failed: failed.map(([name, result]) => `${name}: ${result.problem}`),
    shop: SHOP,
    customers: options.customers,
    checks: Object.fromEntries(
      Object.entries(checks).map(([name, result]) => [
        name,
        typeof result === "string" ? result : { ok: result.ok, ...result.detail },
      ]),
    ),
    timingsMs: {
      sync: durationMs(pipeline.sync),
      compute: durationMs(pipeline.compute),
      push: durationMs(pipeline.push),
      installToPushed: pipelineMs,
      total: Date.now() - started,
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  if (failed.length) console.error(`demo check failed: ${summary.failed.join("; ")}`);
  return failed.length ? 1 : 0;
}

/** A push that failed fails the check even when the tags it sent before failing are all there. */
function withRunFailure(run: RunRow | undefined, stage: string, result: CheckResult): CheckResult {
  const failure = runFailure(run, stage);
  return failure
    ? {
        ok: false,
        detail: { ...result.detail, ...failure.detail },
        problem: [failure.problem, result.problem].filter(Boolean).join("; "),
      }
    : result;
}

/** The emulated admin's customer page (with the app's block) of the customer with the highest CLV. */
async function customerBlockUrl(db: Db, emu: Emulator, shopId: number): Promise<string | undefined> {
  const top = await db.customerScore.findFirst({
    where: { shopId, clv: { not: null } },
    orderBy: [{ clv: "desc" }, { customerId: "asc" }],
    select: { customer: { select: { shopifyId: true } } },
  });
  if (!top) return undefined;
  const page = `${emu.origin}/store/${SHOP.replace(".myshopify.com", "")}/customers/${top.customer.shopifyId}`;
  return (await fetch(page).then(
    (r) => r.ok,
    () => false,
  ))
    ? page
    : undefined;
}

/** The emulated admin page with the app in its frame when the emulator serves it, else the app itself. */
async function adminUrl(emu: Emulator, appUrl: string): Promise<string> {
  const handle = SHOP.replace(".myshopify.com", "");
  for (const store of [handle, SHOP]) {
    const admin = `${emu.origin}/store/${store}/apps/segments`;
    if (
      await fetch(admin).then(
        (r) => r.ok,
        () => false,
      )
    )
      return admin;
  }
  const host = Buffer.from(`${new URL(emu.origin).host}/store/${handle}`).toString("base64");
  const token = emu.sessionToken(SHOP, { lifetimeSeconds: 3600 });
  const direct = `${appUrl}/app?embedded=1&shop=${SHOP}&host=${host}&id_token=${token}`;
  return `${direct}\n  (the emulated admin page is not in the emulator yet: this opens the app outside an admin frame, signed in for one hour)`;
}
