import path from "node:path";
import pg from "pg";
import { redactUrl } from "~/env.server";
import type { Children } from "./children";
import { freePort, isListening, waitUntil } from "./net";
import { SetupError } from "./setup-error";
import { DATA_DIR, nodeBin } from "./tools";

// Which PostgreSQL the demo uses, in order: DATABASE_URL; a server on 127.0.0.1:5432 (database
// `segments_demo`); else embedded PGlite served over a socket, with its data under .data/.

export interface Postgres {
  url: string;
  /** One line for the terminal: where the data lives. */
  description: string;
  /** Set when PGlite is used: what it cannot do that full PostgreSQL does. */
  limitation?: string;
}

const LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/segments_demo";
const INSTALL_HINT = "install PostgreSQL 15+ (e.g. `apt-get install postgresql`) or set DATABASE_URL";

export async function providePostgres(children: Children, { embedded = false } = {}): Promise<Postgres> {
  if (process.env.DATABASE_URL) {
    return {
      url: process.env.DATABASE_URL,
      description: `PostgreSQL from DATABASE_URL (${redactUrl(process.env.DATABASE_URL)})`,
    };
  }
  if (!embedded && (await isListening("127.0.0.1", 5432))) {
    return { url: LOCAL_URL, description: `local PostgreSQL, database segments_demo (${LOCAL_URL})` };
  }
  return startPglite(children);
}

async function startPglite(children: Children): Promise<Postgres> {
  const dataDir = path.join(DATA_DIR, "pglite");
  const port = await freePort();
  // PGlite is one PostgreSQL session; the socket server queues connections onto it.
  const [command, args] = nodeBin("pglite-server", [
    "--db",
    dataDir,
    "--port",
    String(port),
    "--max-connections",
    "32",
  ]);
  let server;
  try {
    server = children.start("pglite", command, args, process.env);
  } catch (error) {
    throw new SetupError(
      `No PostgreSQL found and embedded PGlite cannot start (${(error as Error).message}): ${INSTALL_HINT}`,
    );
  }
  await Promise.race([
    waitUntil(() => isListening("127.0.0.1", port), { timeoutMs: 60_000, what: "embedded PGlite to listen" }),
    server.exited.then((code) => {
      throw new SetupError(
        `No PostgreSQL found and embedded PGlite exited (${code}): ${INSTALL_HINT}\n${server.tail(5)}`,
      );
    }),
  ]);
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  await probePglite(url);
  return {
    url,
    description: `embedded PGlite (no PostgreSQL on 127.0.0.1:5432), data in ${path.relative(process.cwd(), dataDir)}/`,
    limitation:
      "PGlite is a single session shared by all connections: advisory locks do not exclude other connections, " +
      "so run only one worker against it (the demo does)",
  };
}

/** Fails with one line naming the feature when PGlite lacks something the app's SQL needs. */
async function probePglite(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const probes: [string, string][] = [
    ["unnest of array parameters", "SELECT x FROM unnest(ARRAY[1,2]::bigint[], ARRAY['a','b']::text[]) AS t(x, y)"],
    ["jsonb operators", `SELECT jsonb_array_length('[1,2]'::jsonb), '{"a":{"b":1}}'::jsonb #>> '{a,b}'`],
    ["temporary tables", "CREATE TEMP TABLE demo_probe (x int) ON COMMIT DROP"],
    ["advisory locks", "SELECT pg_advisory_xact_lock(hashtext('demo-probe'), 1)"],
  ];
  try {
    for (const [feature, sql] of probes) {
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw new SetupError(`Embedded PGlite lacks ${feature} (${(error as Error).message}): ${INSTALL_HINT}`);
      }
    }
  } finally {
    await client.end();
  }
}
