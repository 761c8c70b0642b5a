import db from "~/db.server";
import { closeQueues } from "~/queues.server";

// remix-serve stops accepting connections on SIGTERM/SIGINT but leaves the process running
// while PostgreSQL and Redis connections are open, so a deploy would have to kill it. After a
// short grace period for requests in flight, close them too and let the process end.

const GRACE_MS = 2_000;

declare global {
  var __segmentsShutdownHooked: boolean | undefined;
}

export function closeConnectionsOnSignal(): void {
  if (globalThis.__segmentsShutdownHooked) return; // dev reloads evaluate modules again
  globalThis.__segmentsShutdownHooked = true;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        void Promise.allSettled([closeQueues(), db.$disconnect()]);
      }, GRACE_MS);
    });
  }
}
