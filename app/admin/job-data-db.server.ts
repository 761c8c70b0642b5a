import db, { createDb, type Db } from "~/db.server";
import { env } from "~/env.server";

// Where the admin pages read what the jobs wrote (scores, memberships and their movement,
// snapshots, runs, customers and orders): a streaming replica when DATABASE_REPLICA_URL is set,
// else the primary. Those rows change per sync, compute or webhook, never by the merchant's own
// action, so a replica's lag (well under a second) only delays figures that are minutes apart
// anyway. What the merchant writes (settings, segment definitions, enabled) is read from the
// primary, so the page re-loaded right after a save never shows the value from before it.

let replica: Db | undefined;

export function jobDataDb(): Db {
  const url = env().databaseReplicaUrl;
  if (!url) return db;
  replica ??= createDb(url);
  return replica;
}
