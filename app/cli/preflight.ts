// `npm start` runs this first: the web server starts only with a complete environment and
// reachable PostgreSQL and Redis, otherwise one clear message and exit code 1.
import { assertNodeVersion } from "~/node-version.server";
import { EnvError, readEnv } from "~/env.server";
import { checkServices, ServiceUnreachableError } from "~/services.server";

try {
  assertNodeVersion();
  await checkServices(readEnv());
} catch (error) {
  if (error instanceof EnvError || error instanceof ServiceUnreachableError || error instanceof Error) {
    console.error(error.message);
  }
  process.exit(1);
}
