import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

// Test-process environment: point every connection at the dedicated test database and a
// throw-away Redis prefix. Never the developer's data.
process.env.NODE_ENV ??= "test";
// The global setup drops the test database, so each checkout (clone, worktree) gets its own by
// default: a run in one never drops the database another checkout's run is using.
const checkout = createHash("sha256")
  .update(fileURLToPath(new URL("../..", import.meta.url)))
  .digest("hex")
  .slice(0, 8);
process.env.DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? `postgresql://postgres@127.0.0.1:5432/segments_${checkout}_test`;
process.env.REDIS_URL ??= "redis://127.0.0.1:6379/0";
process.env.QUEUE_PREFIX ??= `segments-test-${process.pid}`;
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SCOPES ??= "read_customers,write_customers,read_orders,read_all_orders,read_products";
process.env.SHOPIFY_APP_URL ??= "https://segments.test";
// The key that seals customers' personal fields (a test key: the suite's data is made up).
process.env.SEGMENTS_DATA_KEYS ??= "test:/dx7ZTsAqZd58kREhuhFOHD8SkkjFPv9Z7jf08sLzyk=";
// One pinned day for the whole suite (app clock, emulated shops, seeds), so no test depends on
// the date it runs on; child processes (app server, worker) inherit the same pair.
process.env.SEGMENTS_NOW ??= "2026-11-01T00:00:00Z";
process.env.SEGMENTS_NOW_SET_AT ??= String(Date.now());
