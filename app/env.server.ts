import { parseDataKeys, type DataKeySecret } from "~/data-keys";

// Reads and validates the environment once. A missing or malformed variable stops start-up
// with one message that lists everything wrong, instead of failing later in a request.

export interface AppEnv {
  shopifyApiKey: string;
  shopifyApiSecret: string;
  scopes: string[];
  appUrl: string;
  databaseUrl: string;
  /** DATABASE_REPLICA_URL: a read replica for the admin pages' reads of job results (docs/scaling.md); unset: the primary. */
  databaseReplicaUrl: string | undefined;
  redisUrl: string;
  /** REDIS_CLUSTER=1: REDIS_URL is one seed node of a Redis Cluster, and the client finds the rest. */
  redisCluster: boolean;
  /** Where Shopify lives. Unset in production; the local Shopify emulator's origin in tests and the demo. */
  shopifyAdminOrigin: string | undefined;
  /**
   * Prefixes every BullMQ key, so tests and several apps can share one Redis. Without braces: the
   * queue names after it carry the Redis Cluster hash tags (app/queues.server.ts).
   */
  queuePrefix: string;
  /**
   * SEGMENTS_NOW: what the app's analysis clock reads at SEGMENTS_NOW_SET_AT (epoch ms; default:
   * when this process started), for tests and demos of a shop whose history ends on a fixed day.
   * Unset in production: the clock is the system's.
   */
  clock: { now: Date; setAt: number | undefined } | undefined;
  /** SEGMENTS_DATA_KEYS: the keys that seal customers' personal fields; the first seals new values. */
  dataKeys: DataKeySecret[];
  /** SCORE_DEBOUNCE_MS: how long a changed customer's re-score waits for further changes (default 60 s). */
  scoreDebounceMs: number;
}

export class EnvError extends Error {
  override name = "EnvError";
}

const REQUIRED = {
  SHOPIFY_API_KEY: "the app's client id from the Partner Dashboard",
  SHOPIFY_API_SECRET: "the app's client secret from the Partner Dashboard",
  SCOPES:
    "comma-separated access scopes, e.g. read_customers,write_customers,read_orders,read_all_orders,read_products",
  SHOPIFY_APP_URL: "the public https URL the app is served from",
  DATABASE_URL: "PostgreSQL connection URL, e.g. postgresql://postgres@127.0.0.1:5432/segments",
  REDIS_URL: "Redis connection URL, e.g. redis://127.0.0.1:6379",
  SEGMENTS_DATA_KEYS:
    "the keys that encrypt customers' personal data, id:base64 of 32 bytes, newest first, e.g. k1:$(openssl rand -base64 32)",
} as const;

export function readEnv(source: NodeJS.ProcessEnv = process.env): AppEnv {
  const problems: string[] = [];
  for (const [name, what] of Object.entries(REQUIRED)) {
    if (!source[name]?.trim()) problems.push(`${name} is missing (${what})`);
  }
  const checkUrl = (name: string, protocols: string[]) => {
    const value = source[name]?.trim();
    if (!value) return;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) {
        problems.push(
          `${name} must start with ${protocols.map((p) => `${p}//`).join(" or ")} (got ${redactUrl(value)})`,
        );
      }
    } catch {
      problems.push(`${name} is not a valid URL (got ${redactUrl(value)})`);
    }
  };
  checkUrl("SHOPIFY_APP_URL", ["https:", "http:"]);
  checkUrl("DATABASE_URL", ["postgresql:", "postgres:"]);
  checkUrl("DATABASE_REPLICA_URL", ["postgresql:", "postgres:"]);
  checkUrl("REDIS_URL", ["redis:", "rediss:"]);
  checkUrl("SHOPIFY_ADMIN_ORIGIN", ["https:", "http:"]);
  const clockNow = source.SEGMENTS_NOW?.trim() ? new Date(source.SEGMENTS_NOW.trim()) : undefined;
  if (clockNow && Number.isNaN(clockNow.getTime())) {
    problems.push(`SEGMENTS_NOW must be an ISO date-time such as 2026-06-15T12:00:00Z (got ${source.SEGMENTS_NOW})`);
  }
  const clockSetAt = source.SEGMENTS_NOW_SET_AT?.trim() ? Number(source.SEGMENTS_NOW_SET_AT.trim()) : undefined;
  if (clockSetAt !== undefined && !Number.isSafeInteger(clockSetAt)) {
    problems.push(`SEGMENTS_NOW_SET_AT must be a time in epoch milliseconds (got ${source.SEGMENTS_NOW_SET_AT})`);
  }
  if (/[{}]/.test(source.QUEUE_PREFIX ?? "")) {
    // A tag in the prefix would put every queue in one Redis Cluster slot (one node).
    problems.push(
      `QUEUE_PREFIX must not contain { or }: the queue names carry the Redis Cluster hash tags (got ${source.QUEUE_PREFIX})`,
    );
  }
  const cluster = source.REDIS_CLUSTER?.trim().toLowerCase();
  if (cluster && !["1", "true", "0", "false"].includes(cluster)) {
    problems.push(`REDIS_CLUSTER must be 1/true or 0/false (got ${source.REDIS_CLUSTER})`);
  }
  const debounce = source.SCORE_DEBOUNCE_MS?.trim();
  if (debounce && !(/^\d+$/.test(debounce) && Number.isSafeInteger(Number(debounce)))) {
    problems.push(
      `SCORE_DEBOUNCE_MS must be a whole number of milliseconds, e.g. 60000 (got ${source.SCORE_DEBOUNCE_MS})`,
    );
  }

  const dataKeys = parseDataKeys(source.SEGMENTS_DATA_KEYS ?? "");
  if (source.SEGMENTS_DATA_KEYS?.trim()) {
    for (const problem of dataKeys.problems) problems.push(`SEGMENTS_DATA_KEYS: ${problem}`);
  }

  if (problems.length > 0) {
    throw new EnvError(
      `Segments cannot start: the environment is incomplete.\n  - ${problems.join("\n  - ")}\n` +
        "Set these variables (see README.md, section Environment) and start again.",
    );
  }
  return {
    shopifyApiKey: source.SHOPIFY_API_KEY!.trim(),
    shopifyApiSecret: source.SHOPIFY_API_SECRET!.trim(),
    scopes: source
      .SCOPES!.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    appUrl: source.SHOPIFY_APP_URL!.trim(),
    databaseUrl: source.DATABASE_URL!.trim(),
    databaseReplicaUrl: source.DATABASE_REPLICA_URL?.trim() || undefined,
    redisUrl: source.REDIS_URL!.trim(),
    redisCluster: cluster === "1" || cluster === "true",
    shopifyAdminOrigin: source.SHOPIFY_ADMIN_ORIGIN?.trim() || undefined,
    queuePrefix: source.QUEUE_PREFIX?.trim() || "segments",
    clock: clockNow ? { now: clockNow, setAt: clockSetAt } : undefined,
    dataKeys: dataKeys.keys,
    scoreDebounceMs: debounce ? Number(debounce) : 60_000,
  };
}

let cached: AppEnv | undefined;

/** The validated environment of this process (read once). */
export function env(): AppEnv {
  cached ??= readEnv();
  return cached;
}

/** A connection URL with its password hidden, fit for logs and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}
