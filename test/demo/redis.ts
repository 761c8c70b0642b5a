import { spawnSync } from "node:child_process";
import { redactUrl } from "~/env.server";
import type { Children } from "./children";
import { freePort, isListening, waitUntil } from "./net";
import { SetupError } from "./setup-error";

// Which Redis the demo uses, in order: REDIS_URL; a server on 127.0.0.1:6379; else a
// throw-away `redis-server` from the PATH on a free port, without persistence.

export interface RedisService {
  url: string;
  description: string;
}

const INSTALL_HINT = "install Redis 7+ (e.g. `apt-get install redis-server`, or `brew install redis`) or set REDIS_URL";

export async function provideRedis(children: Children, { embedded = false } = {}): Promise<RedisService> {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, description: `Redis from REDIS_URL (${redactUrl(process.env.REDIS_URL)})` };
  }
  if (!embedded && (await isListening("127.0.0.1", 6379))) {
    return { url: "redis://127.0.0.1:6379", description: "local Redis on 127.0.0.1:6379 (keys under segments-demo:)" };
  }
  if (spawnSync("redis-server", ["--version"]).error) {
    throw new SetupError(`No Redis on 127.0.0.1:6379 and no redis-server on the PATH: ${INSTALL_HINT}`);
  }
  const port = await freePort();
  // A child rather than a daemon: it stops with the demo, so nothing is left running.
  const server = children.start(
    "redis",
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
    process.env,
  );
  await Promise.race([
    waitUntil(() => isListening("127.0.0.1", port), { timeoutMs: 15_000, what: "redis-server to listen" }),
    server.exited.then((code) => {
      throw new SetupError(`redis-server exited (${code}): ${INSTALL_HINT}\n${server.tail(5)}`);
    }),
  ]);
  return {
    url: `redis://127.0.0.1:${port}`,
    description: `redis-server started on 127.0.0.1:${port} (stops with the demo)`,
  };
}
