/**
 * The smallest environment `readEnv` accepts (the data keys are the suite's), for tests of one
 * variable's validation: spread it and add or drop what the test is about.
 */
export const MINIMAL_ENV = {
  NODE_ENV: "test" as const,
  SHOPIFY_API_KEY: "k",
  SHOPIFY_API_SECRET: "s",
  SCOPES: "read_customers",
  SHOPIFY_APP_URL: "https://app.test",
  DATABASE_URL: "postgresql://localhost/db",
  REDIS_URL: "redis://localhost",
  SEGMENTS_DATA_KEYS: process.env.SEGMENTS_DATA_KEYS,
};
