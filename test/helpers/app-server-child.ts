// The webhook server (test/helpers/app-server.ts) as its own process, configured entirely by
// the environment it is started with (e.g. a REDIS_URL nobody listens on). Prints its URL.
import { startAppServer } from "./app-server";

const server = await startAppServer();
console.log(JSON.stringify({ url: server.url }));
