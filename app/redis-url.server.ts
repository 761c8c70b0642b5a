import { Cluster, type ClusterOptions, type RedisOptions } from "ioredis";

// A Redis Cluster client from REDIS_URL: the cluster takes seed nodes and per-node options rather
// than a URL. Kept apart from the queues so the start-up check can use it without BullMQ.

/**
 * A cluster client seeded with the URL's node; the URL's user, password and TLS (rediss:) apply
 * to every node it discovers, with `nodeOptions` on top.
 */
export function clusterFromUrl(redisUrl: string, nodeOptions: RedisOptions, options: ClusterOptions = {}): Cluster {
  const url = new URL(redisUrl);
  const fromUrl: RedisOptions = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
  return new Cluster([{ host: url.hostname, port: url.port ? Number(url.port) : 6379 }], {
    ...options,
    redisOptions: { ...fromUrl, ...nodeOptions },
  });
}
