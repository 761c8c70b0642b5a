import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueCompute } from "~/enqueue.server";
import { startWorkers, type Processors, type WorkerPool } from "~/jobs/start-workers.server";
import { QUEUE_NAMES, Queues, type QueueName, type QueueSettings } from "~/queues.server";
import { checkServices, ServiceUnreachableError } from "~/services.server";
import { enqueueIngest } from "~/sync/inbox.server";
import { uniqueQueuePrefix, waitFor } from "../helpers/shops";

// The queues on a real Redis Cluster: three redis-server masters started here (the same binary
// as the suite's Redis, cluster mode on, nothing on disk), joined with `redis-cli --cluster
// create`. The app connects with REDIS_CLUSTER=1 and one seed node, as in production.

const NODES = 3;
const dir = mkdtempSync(path.join(tmpdir(), "segments-cluster-"));
const servers: ChildProcess[] = [];
const ports: number[] = [];
let settings: QueueSettings;
let appQueues: Queues | undefined;
let pool: WorkerPool | undefined;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.includes(port)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
}

/**
 * The nodes are services like the suite's own Redis, not app processes: they keep the real
 * clock when the suite runs under libfaketime (.ci/faked-dates).
 */
function serviceEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== "LD_PRELOAD" && !name.startsWith("FAKETIME")),
  ) as NodeJS.ProcessEnv;
}

async function clusterState(port: number): Promise<string> {
  const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return /cluster_state:(\w+)/.exec(String(await redis.cluster("INFO")))?.[1] ?? "unknown";
  } catch {
    return "down";
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  for (let i = 0; i < NODES; i++) ports.push(await freeClusterPort(ports));
  for (const port of ports) {
    const server = spawn(
      "redis-server",
      [
        ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
        ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
        ...["--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no"],
      ],
      { stdio: "ignore", env: serviceEnv() },
    );
    servers.push(server);
  }
  await waitFor(
    async () => ((await Promise.all(ports.map(clusterState))).every((s) => s !== "down") ? true : undefined),
    { what: "the three redis-server nodes to accept connections" },
  );
  const created = spawnSync(
    "redis-cli",
    ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
    { encoding: "utf8", env: serviceEnv() },
  );
  expect(created.status, created.stdout + created.stderr).toBe(0);
  await waitFor(
    async () => ((await Promise.all(ports.map(clusterState))).every((s) => s === "ok") ? true : undefined),
    { what: "every node to report cluster_state:ok" },
  );
  settings = { redisUrl: `redis://127.0.0.1:${ports[1]}`, prefix: uniqueQueuePrefix("rc"), cluster: true };
}, 120_000);

afterAll(async () => {
  await pool?.close();
  await appQueues?.close();
  for (const server of servers) server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("queues on a Redis Cluster", () => {
  it("passes the start-up check through one seed node, and names the variables when the seed is no cluster", async () => {
    await expect(
      checkServices({ databaseUrl: process.env.DATABASE_URL!, redisUrl: settings.redisUrl, redisCluster: true }),
    ).resolves.toBeUndefined();
    // The suite's own Redis is a single node: with REDIS_CLUSTER=1 start-up must refuse it.
    const single = checkServices({
      databaseUrl: process.env.DATABASE_URL!,
      redisUrl: process.env.REDIS_URL!,
      redisCluster: true,
    });
    await expect(single).rejects.toBeInstanceOf(ServiceUnreachableError);
    await expect(single).rejects.toThrow(/REDIS_CLUSTER=1/);
  });

  it("runs a job of every queue, with the queues' keys spread over the masters", async () => {
    appQueues = new Queues(settings);
    const processed = new Set<QueueName>();
    const processor = (name: QueueName) => async () => {
      processed.add(name);
      return { ok: true };
    };
    pool = startWorkers(
      settings,
      Object.fromEntries(QUEUE_NAMES.map((name) => [name, processor(name)])) as Processors,
      () => {},
    );
    await enqueueIngest(appQueues, [{ id: 1n, shopDomain: "a.myshopify.com" }]);
    await appQueues.enqueue("sync", { shopId: 1, runId: "1" });
    await enqueueCompute(appQueues, 1, "test");
    await appQueues.enqueue("score", { shopId: 1, customerId: "7" });
    await appQueues.enqueue("push", { shopId: 1, trigger: "now" });
    await appQueues.enqueue("maintenance", { task: "heartbeat" });
    await waitFor(async () => (processed.size === QUEUE_NAMES.length ? true : undefined), {
      what: `a job of every queue to run (so far: ${[...processed].join(", ") || "none"})`,
    });

    // Which master holds each queue's keys: every queue on exactly one, and not all on one.
    const cluster = new Cluster([{ host: "127.0.0.1", port: ports[0] }]);
    try {
      await cluster.ping();
      const holders = new Map<string, Set<string>>();
      for (const node of cluster.nodes("master")) {
        const keys = await node.keys(`${settings.prefix}:*`);
        for (const key of keys) {
          const queue = /^\{([^}]+)\}:/.exec(key.slice(settings.prefix.length + 1))?.[1] ?? key;
          holders.set(queue, (holders.get(queue) ?? new Set()).add(`${node.options.host}:${node.options.port}`));
        }
      }
      expect([...holders.keys()].sort()).toEqual([...QUEUE_NAMES].sort());
      for (const [queue, nodes] of holders) expect(nodes.size, queue).toBe(1);
      expect(new Set([...holders.values()].map((nodes) => [...nodes][0])).size).toBeGreaterThan(1);
    } finally {
      cluster.disconnect();
    }
  }, 60_000);
});
