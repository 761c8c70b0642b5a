// `npm run db:migrate`: create the database if needed and apply pending migrations.
import { redactUrl } from "~/env.server";
import { ensureDatabase, migrate } from "~/db/migrator.server";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error(
    "DATABASE_URL is missing (PostgreSQL connection URL, e.g. postgresql://postgres@127.0.0.1:5432/segments)",
  );
  process.exit(1);
}
try {
  if (await ensureDatabase(databaseUrl)) console.log(`created database ${redactUrl(databaseUrl)}`);
  const { applied, alreadyApplied } = await migrate(databaseUrl);
  console.log(
    applied.length
      ? `applied ${applied.length} migration(s): ${applied.join(", ")}`
      : `database is up to date (${alreadyApplied.length} migration(s))`,
  );
} catch (error) {
  console.error(`db:migrate failed for ${redactUrl(databaseUrl)}: ${(error as Error).message}`);
  process.exit(1);
}
