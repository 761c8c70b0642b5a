import type { LockTuning } from "~/jobs/start-workers.server";

/** Short job locks for tests that kill a worker: its jobs are found stalled within ~3 s. */
export const TEST_LOCKS: LockTuning = { lockDuration: 2_000, stalledInterval: 1_000 };
