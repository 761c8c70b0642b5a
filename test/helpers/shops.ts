import { randomUUID } from "node:crypto";

/** A shop domain no other test uses, so tests can share the database without stepping on each other. */
export function uniqueShopDomain(label = "shop"): string {
  return `${label}-${randomUUID().slice(0, 8)}.myshopify.com`;
}

/** A BullMQ key prefix no other test uses. */
export function uniqueQueuePrefix(label = "test"): string {
  return `segments-test-${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Polls until `check` gives a value. The default deadline is generous because it only matters
 * when something is wrong: on a loaded 2-core CI machine a webhook's round trip through the
 * emulator, inbox and queue took over 15 s, while a stuck pipeline still fails here.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 45_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
