// Test-process environment: point every connection at the dedicated test database and a
// throw-away Redis prefix. Never the developer's data.
process.env.NODE_ENV ??= "test";
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/segments_test";
process.env.REDIS_URL ??= "redis://127.0.0.1:6379/0";
process.env.QUEUE_PREFIX ??= `segments-test-${process.pid}`;
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SCOPES ??= "read_customers,write_customers,read_orders,read_all_orders";
process.env.SHOPIFY_APP_URL ??= "https://segments.test";
// One pinned day for the whole suite (app clock, emulated shops, seeds), so no test depends on
// the date it runs on; child processes (app server, worker) inherit the same pair.
process.env.SEGMENTS_NOW ??= "2026-11-01T00:00:00Z";
process.env.SEGMENTS_NOW_SET_AT ??= String(Date.now());
