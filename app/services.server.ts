import { Redis, type Cluster } from "ioredis";
import pg from "pg";
import { redactUrl } from "~/env.server";
import { clusterFromUrl } from "~/redis-url.server";

// Start-up check that PostgreSQL and Redis answer, so a wrong URL fails at once with a
// message naming the URL and what to do, instead of as a stack trace in the first job.

export class ServiceUnreachableError extends Error {
  override name = "ServiceUnreachableError";
}

async function checkPostgres(databaseUrl: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new ServiceUnreachableError(
      `Cannot reach PostgreSQL at ${redactUrl(databaseUrl)} (DATABASE_URL): ${describe(error)}. ` +
        "Start PostgreSQL 15+ or correct DATABASE_URL, then run `npm run db:migrate`.",
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkRedis(redisUrl: string, cluster: boolean, timeoutMs = 5000): Promise<void> {
  const noRetry = { connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const redis = cluster
    ? clusterFromUrl(redisUrl, noRetry, { lazyConnect: true, clusterRetryStrategy: () => null })
    : new Redis(redisUrl, { lazyConnect: true, ...noRetry });
  redis.on("error", () => {}); // reported below, once
  const variable = cluster ? "REDIS_URL, a seed node of the cluster (REDIS_CLUSTER=1)" : "REDIS_URL";
  try {
    await redis.connect();
    await redis.ping();
    if (cluster) {
      // A cluster with unassigned slots accepts connections but fails BullMQ's commands later.
      const info = String(await (redis as Cluster).cluster("INFO"));
      if (!/cluster_state:ok/.test(info)) throw new Error("the cluster reports cluster_state:fail");
    }
  } catch (error) {
    throw new ServiceUnreachableError(
      `Cannot reach Redis at ${redactUrl(redisUrl)} (${variable}): ${describe(error)}. ` +
        "Start Redis 7+ (e.g. `redis-server --daemonize yes`) or correct REDIS_URL.",
    );
  } finally {
    redis.disconnect();
  }
}

export async function checkServices(urls: {
  databaseUrl: string;
  redisUrl: string;
  redisCluster?: boolean;
}): Promise<void> {
  await Promise.all([checkPostgres(urls.databaseUrl), checkRedis(urls.redisUrl, urls.redisCluster ?? false)]);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
