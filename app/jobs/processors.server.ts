import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import type { Processors } from "~/jobs/runtime.server";
import { maintenanceProcessor } from "~/jobs/maintenance.server";

export interface JobDeps {
  db: Db;
  queues: Queues;
}

/** Every queue's processor, wired to its dependencies. */
export function createProcessors(deps: JobDeps): Processors {
  return {
    maintenance: maintenanceProcessor(deps),
  };
}
