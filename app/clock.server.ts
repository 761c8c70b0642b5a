import { env } from "~/env.server";

// The app's "now" for analysis (computes, re-scores) and the admin's reads. Normally the system
// clock. With SEGMENTS_NOW set it read that instant at SEGMENTS_NOW_SET_AT (or when this process
// started) and runs on at the normal rate: a shop seeded up to a fixed day looks the same whatever
// day the tests or the demo run on, and processes given the same pair agree to the millisecond.
// Bookkeeping timestamps (runs, webhooks, sessions) and every security check keep the real clock.

const processStart = Date.now();

export function appNow(): Date {
  const pinned = env().clock;
  if (!pinned) return new Date();
  return new Date(pinned.now.getTime() + (Date.now() - (pinned.setAt ?? processStart)));
}
