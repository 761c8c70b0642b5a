// The emulated world's business clock: when new orders are placed and where generated histories
// end. It follows the same SEGMENTS_NOW / SEGMENTS_NOW_SET_AT pair as the app's clock
// (app/clock.server.ts), so the emulated Shopify and the app agree on the day however the tests or
// the demo pinned it. Session and access tokens keep the real clock, as both sides' checks do.

const processStart = Date.now();

export function worldClock(source: NodeJS.ProcessEnv = process.env): () => number {
  const pinned = source.SEGMENTS_NOW?.trim() ? Date.parse(source.SEGMENTS_NOW.trim()) : Number.NaN;
  if (!Number.isFinite(pinned)) return Date.now;
  const setAt = source.SEGMENTS_NOW_SET_AT?.trim() ? Number(source.SEGMENTS_NOW_SET_AT) : processStart;
  return () => pinned + (Date.now() - setAt);
}

const DAY_MS = 86_400_000;

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
