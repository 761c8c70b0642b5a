import type pg from "pg";
import { withPgConnection, type Db } from "~/db.server";

// Large writes of one shop's rows spread over several connections. PostgreSQL runs a statement on
// one core, so a compute's millions of membership rows written on one connection left the
// database's other cores idle; written on two, they take about half the time here.

/** Connections one large write is spread over. */
export const WRITE_CONNECTIONS = 2;

/** One statement (or a few) of a write: returns the rows it changed. */
export type ShopWrite = (client: pg.Client) => Promise<number>;

/** Thrown when the shop's row is gone (erased) by the time its rows would be written. */
export class ShopGoneError extends Error {
  constructor(shopId: number) {
    super(`shop ${shopId} no longer exists: its rows are not written`);
    this.name = "ShopGoneError";
  }
}

/**
 * Locks the shop's row FOR KEY SHARE for the rest of the transaction: the check a foreign key to
 * Shop makes for every row, made once. While held, the shop cannot be deleted; once it is, this
 * finds no row and the write stops.
 */
export async function lockShopRow(client: pg.Client, shopId: number): Promise<void> {
  const { rowCount } = await client.query(`SELECT 1 FROM "Shop" WHERE "id" = $1 FOR KEY SHARE`, [shopId]);
  if (!rowCount) throw new ShopGoneError(shopId);
}

async function withConnections<T>(
  db: Db,
  count: number,
  work: (clients: pg.Client[]) => Promise<T>,
  open: pg.Client[] = [],
): Promise<T> {
  if (open.length === count) return work(open);
  return withPgConnection(db, (client) => withConnections(db, count, work, [...open, client]));
}

/**
 * Runs `writes` (disjoint rows of one shop: no two may touch the same row) on up to `connections`
 * connections at once, each connection in one transaction that first locks the shop's row. Every
 * transaction commits only after every write succeeded; if one fails, the others stop at their
 * next write and all roll back. (A failure in COMMIT itself can leave the other connection's part
 * committed: the next run's diff then writes only what is missing.) Returns each write's count.
 */
export async function writeConcurrently(
  db: Db,
  shopId: number,
  writes: ShopWrite[],
  connections = WRITE_CONNECTIONS,
): Promise<number[]> {
  const counts = writes.map(() => 0);
  if (writes.length === 0) return counts;
  let next = 0;
  let failure: { error: unknown } | undefined;
  return withConnections(db, Math.max(1, Math.min(connections, writes.length)), async (clients) => {
    await Promise.all(
      clients.map(async (client) => {
        try {
          await client.query("BEGIN");
          await lockShopRow(client, shopId);
          for (let i = next++; i < writes.length && !failure; i = next++) counts[i] = await writes[i](client);
        } catch (error) {
          failure ??= { error };
        }
      }),
    );
    if (failure) {
      await Promise.all(clients.map((client) => client.query("ROLLBACK").catch(() => undefined)));
      throw failure.error;
    }
    for (const client of clients) await client.query("COMMIT");
    return counts;
  });
}
