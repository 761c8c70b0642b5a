import pg from "pg";
import { ensureDatabase, migrate } from "../../app/db/migrator.server";
import "./env";

// Once per test run: drop and recreate the dedicated test database, then apply the migrations.
// Tests share it safely because every row is scoped by shop and each test uses its own shops.
export default async function setup() {
  const databaseUrl = process.env.DATABASE_URL!;
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/_test$/.test(name)) throw new Error(`refusing to reset ${name}: the test database name must end in _test`);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
}
