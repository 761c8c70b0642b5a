// Benchmarks run against their own database and Redis prefix, never the developer's or the tests'.
process.env.NODE_ENV ??= "production";
process.env.DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/segments_bench";
process.env.REDIS_URL ??= "redis://127.0.0.1:6379/0";
process.env.QUEUE_PREFIX = `segments-bench-${process.pid}`;
process.env.SHOPIFY_API_KEY ??= "bench-api-key";
process.env.SHOPIFY_API_SECRET ??= "bench-api-secret";
process.env.SCOPES ??= "read_customers,write_customers,read_orders,read_all_orders,read_products";
process.env.SHOPIFY_APP_URL ??= "https://segments.bench";
process.env.SCORE_DEBOUNCE_MS ??= "3600000";
// A bench key (the data is generated): sealing costs what it costs a real shop.
process.env.SEGMENTS_DATA_KEYS ??= "bench:QmVuY2htYXJrIGtleSwgbm90IGEgc2VjcmV0ISEhISE=";

/** Creates the benchmark database if needed and applies the migrations. */
export async function prepareBenchDatabase(): Promise<void> {
  const { ensureDatabase, migrate } = await import("~/db/migrator.server");
  await ensureDatabase(process.env.DATABASE_URL!);
  await migrate(process.env.DATABASE_URL!);
}
