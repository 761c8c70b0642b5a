import pg from "pg";
import { env } from "~/env.server";

// A per-shop mutual exclusion across worker processes: a PostgreSQL session advisory lock on a
// dedicated connection. If the process dies, the connection closes and the lock goes with it.

/** Runs `work` while holding the `(scope, shopId)` lock, waiting for a current holder to finish. */
export async function withShopLock<T>(scope: string, shopId: number, work: () => Promise<T>, databaseUrl = env().databaseUrl): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1), $2)", [scope, shopId]);
    try {
      return await work();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", [scope, shopId]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
