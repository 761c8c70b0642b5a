import { randomUUID } from "node:crypto";

/** A shop domain no other test uses, so tests can share the database without stepping on each other. */
export function uniqueShopDomain(label = "shop"): string {
  return `${label}-${randomUUID().slice(0, 8)}.myshopify.com`;
}

/** A BullMQ key prefix no other test uses. */
export function uniqueQueuePrefix(label = "test"): string {
  return `segments-test-${label}-${randomUUID().slice(0, 8)}`;
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
