import { Redis } from "ioredis";
import pg from "pg";
import { redactUrl } from "~/env.server";

// Start-up check that PostgreSQL and Redis answer, so a wrong URL fails at once with a
// message naming the URL and what to do, instead of as a stack trace in the first job.

export class ServiceUnreachableError extends Error {
  override name = "ServiceUnreachableError";
}

export async function checkPostgres(databaseUrl: string, timeoutMs = 5000): Promise<void> {
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

export async function checkRedis(redisUrl: string, timeoutMs = 5000): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {}); // reported below, once
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new ServiceUnreachableError(
      `Cannot reach Redis at ${redactUrl(redisUrl)} (REDIS_URL): ${describe(error)}. ` +
        "Start Redis 7+ (e.g. `redis-server --daemonize yes`) or correct REDIS_URL.",
    );
  } finally {
    redis.disconnect();
  }
}

export async function checkServices(urls: { databaseUrl: string; redisUrl: string }): Promise<void> {
  await Promise.all([checkPostgres(urls.databaseUrl), checkRedis(urls.redisUrl)]);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
