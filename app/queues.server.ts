import { Queue, type JobsOptions } from "bullmq";
import { Redis, type Cluster, type RedisOptions } from "ioredis";
import { env } from "~/env.server";
import { clusterFromUrl } from "~/redis-url.server";

// Every background queue, with the data each job carries. Processors live in app/jobs/.
export interface JobData {
  /** Apply one stored webhook (inbox row) to the database. (Jobs queued before the shard keys lack shopDomain.) */
  ingest: { webhookEventId: string; shopDomain?: string };
  /** Back-fill a shop's customers and orders with bulk operations (only those updated since `since`, ISO, if set). */
  sync: { shopId: number; runId: string; since?: string };
  /** Full recompute of a shop's scores and segments. */
  compute: { shopId: number; trigger: string };
  /** Re-score one customer against the shop's fitted model (dynamic segments). */
  score: { shopId: number; customerId: string };
  /** Push memberships to Shopify (tags, native segments, metafields). */
  push: { shopId: number; trigger: string };
  /** Periodic housekeeping. */
  maintenance: { task: MaintenanceTask; shopId?: number };
}

export type QueueName = keyof JobData;
export type MaintenanceTask =
  "heartbeat" | "sweep-inbox" | "retention" | "privacy-check" | "collection-memberships" | "plan-check";
export const QUEUE_NAMES: readonly QueueName[] = ["ingest", "sync", "compute", "score", "push", "maintenance"];

/**
 * The name BullMQ knows a queue by: ours in a Redis Cluster hash tag, so that every key of the
 * queue (`<prefix>:{compute}:wait`, `<prefix>:{compute}:<job id>`, …) hashes to one slot, as
 * BullMQ's multi-key Lua scripts require, while different queues spread over the cluster's nodes.
 */
export const bullQueueName = (name: QueueName) => `{${name}}`;

// Transient failures (Shopify 5xx, throttling beyond our own backoff, restarts) retry with
// exponential backoff; finished jobs are kept briefly for inspection.
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
};

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** `redisUrl` is one seed node of a Redis Cluster (REDIS_CLUSTER=1). */
  cluster?: boolean;
}

export type RedisConnection = Redis | Cluster;

export function redisConnection(settings: QueueSettings, { failFast = false } = {}): RedisConnection {
  // BullMQ workers need maxRetriesPerRequest: null (blocking commands must not time out).
  // failFast: while disconnected, commands fail at once instead of waiting for a reconnection
  // (BullMQ's advice for producers inside an HTTP request).
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: false, enableOfflineQueue: !failFast };
  if (!settings.cluster) return new Redis(settings.redisUrl, options);
  // A cluster client learns every node from the seed; credentials and TLS of the URL apply to all.
  return clusterFromUrl(settings.redisUrl, options, { enableOfflineQueue: !failFast, enableReadyCheck: false });
}

/** The app's producers: one BullMQ Queue per name on a shared connection. */
export class Queues {
  private readonly connection: RedisConnection;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    readonly settings: QueueSettings,
    options: { failFast?: boolean } = {},
  ) {
    this.connection = redisConnection(settings, options);
  }

  /** False once the connection has failed and is waiting to reconnect: commands would only wait. */
  get reachable(): boolean {
    return !["reconnecting", "close", "end"].includes(this.connection.status);
  }

  get<N extends QueueName>(name: N): Queue<JobData[N]> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(bullQueueName(name), {
        connection: this.connection,
        prefix: this.settings.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      this.queues.set(name, queue);
    }
    return queue as Queue<JobData[N]>;
  }

  async enqueue<N extends QueueName>(name: N, data: JobData[N], options?: JobsOptions) {
    // BullMQ's generic name/data typing is loose; the JobData map above is the contract.
    const queue = this.get(name) as unknown as Queue<JobData[N]>;
    return (queue as unknown as Queue).add(name, data, options);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}

/** This process's queue settings, from the environment. */
export function queueSettings(): QueueSettings {
  const { redisUrl, queuePrefix, redisCluster } = env();
  return { redisUrl, prefix: queuePrefix, cluster: redisCluster };
}

let shared: Queues | undefined;

/** This process's producers, configured from the environment. */
export function queues(): Queues {
  shared ??= new Queues(queueSettings());
  return shared;
}

let intake: Queues | undefined;

/** The webhook route's producers: fail fast while Redis is unreachable (the sweeper catches up). */
export function intakeQueues(): Queues {
  intake ??= new Queues(queueSettings(), { failFast: true });
  return intake;
}

/** Closes this process's producers, if any were opened. */
export async function closeQueues(): Promise<void> {
  const open = [shared, intake];
  shared = intake = undefined;
  await Promise.all(open.map((q) => q?.close()));
}
