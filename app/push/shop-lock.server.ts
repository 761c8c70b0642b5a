import pg from "pg";
import { env } from "~/env.server";

// A per-shop mutual exclusion across worker processes: a PostgreSQL session advisory lock on a
// dedicated connection. If the process dies, the connection closes and the lock goes with it,
// so a claim always belongs to a live holder (pushes and computes both use it).

async function lockConnection(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped connection must not crash the worker (an unhandled 'error'); the work goes on.
  client.on("error", (error) => console.warn(`shop lock connection lost: ${error.message}`));
  await client.connect();
  return client;
}

// Closing the session releases its locks; not waiting for it lets the job finish at once (the
// next holder may wait a round trip longer, never less).
const release = (client: pg.Client) => void client.end().catch(() => undefined);

/** Runs `work` while holding the `(scope, shopId)` lock, waiting for a current holder to finish. */
export async function withShopLock<T>(
  scope: string,
  shopId: number,
  work: () => Promise<T>,
  databaseUrl = env().databaseUrl,
): Promise<T> {
  const client = await lockConnection(databaseUrl);
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1), $2)", [scope, shopId]);
    return await work();
  } finally {
    release(client);
  }
}

/** Runs `work` holding the `(scope, shopId)` lock if no one holds it; `{ held: false }` otherwise. */
export async function tryWithShopLock<T>(
  scope: string,
  shopId: number,
  work: () => Promise<T>,
  databaseUrl = env().databaseUrl,
): Promise<{ held: true; value: T } | { held: false }> {
  const client = await lockConnection(databaseUrl);
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext($1), $2) AS locked",
      [scope, shopId],
    );
    if (!rows[0].locked) return { held: false };
    return { held: true, value: await work() };
  } finally {
    release(client);
  }
}
