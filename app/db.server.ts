import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "~/generated/prisma/client";
import { env } from "~/env.server";

export type Db = PrismaClient;

// The URL each client was made with, so work Prisma cannot do (COPY … TO STDOUT) opens a plain
// `pg` connection to the same database with the same options.
const urlOf = new WeakMap<PrismaClient, string>();

export function createDb(databaseUrl: string = env().databaseUrl): PrismaClient {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  urlOf.set(client, databaseUrl);
  return client;
}

/** Runs `work` on a fresh `pg` connection to `db`'s database, closed afterwards whatever happens. */
export async function withPgConnection<T>(db: Db, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf.get(db) ?? env().databaseUrl });
  // A lost connection fails the query that was running; it must not also crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

declare global {
  var __segmentsDb: PrismaClient | undefined;
}

// One client per process; kept on globalThis so Remix's dev reloads don't open new pools.
const db: PrismaClient = globalThis.__segmentsDb ?? createDb();
if (process.env.NODE_ENV !== "production") globalThis.__segmentsDb = db;

export default db;
