import { env } from "~/env.server";

// The app's "now" for analysis (computes, re-scores) and the admin's reads. Normally the system
// clock; with SEGMENTS_NOW set it starts at that instant and runs on at the normal rate, so a
// shop seeded up to a fixed day looks the same whatever day the tests or the demo run on.
// Bookkeeping timestamps (runs, webhooks, sessions) and every security check keep the real clock.

const processStart = Date.now();

export function appNow(): Date {
  const start = env().clockStart;
  return start ? new Date(start.getTime() + (Date.now() - processStart)) : new Date();
}
