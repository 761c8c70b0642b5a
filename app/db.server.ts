import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "~/generated/prisma/client";
import { env } from "~/env.server";

export type Db = PrismaClient;

export function createDb(databaseUrl: string = env().databaseUrl): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

declare global {
  var __segmentsDb: PrismaClient | undefined;
}

// One client per process; kept on globalThis so Remix's dev reloads don't open new pools.
const db: PrismaClient = globalThis.__segmentsDb ?? createDb();
if (process.env.NODE_ENV !== "production") globalThis.__segmentsDb = db;

export default db;
