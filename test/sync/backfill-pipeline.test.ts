import { describe, expect, it } from "vitest";
import { consumeOrderLines } from "~/sync/backfill.server";

// The back-fill reads the next batch while the last one is written: writes must still run one
// at a time and in order (late items after their orders' batch), and a failed write must stop
// the back-fill with its error.

async function* exportLines(orders: number) {
  for (let i = 0; i < orders; i++) {
    yield {
      id: `gid://shopify/Order/${1_000 + i}`,
      processedAt: "2026-01-02T10:00:00Z",
      updatedAt: "2026-01-03T10:00:00Z",
      currencyCode: "USD",
      totalPriceSet: { shopMoney: { amount: "10.00" } },
    } as Record<string, unknown>;
    yield {
      id: `gid://shopify/LineItem/${1_000 + i}`,
      quantity: 1,
      originalTotalSet: { shopMoney: { amount: "10.00" } },
      __parentId: `gid://shopify/Order/${1_000 + i}`,
    } as Record<string, unknown>;
    // Let a write in flight make progress, as a socket would.
    if (i % 250 === 0) await new Promise((r) => setImmediate(r));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("back-fill writes while reading", () => {
  it("writes one batch at a time, in order, while the next is read", async () => {
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let readWhileWriting = false;
    let writing = false;
    const lines = exportLines(3_500);
    const counted = (async function* () {
      for await (const line of lines) {
        if (writing) readWhileWriting = true;
        yield line;
      }
    })();
    const counts = await consumeOrderLines(counted, "USD", {
      writeOrders: async (rows) => {
        inFlight++;
        writing = true;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(20);
        log.push(`orders ${rows[0]?.shopifyId}`);
        writing = false;
        inFlight--;
      },
      addLateItems: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(5);
        inFlight--;
      },
    });
    expect(counts).toEqual({ orders: 3_500, lineItems: 3_500 });
    expect(maxInFlight).toBe(1);
    expect(log).toEqual(["orders 1000", "orders 2000", "orders 3000", "orders 4000"]);
    expect(readWhileWriting).toBe(true);
  });

  it("stops with a failed write's error, writing nothing after it", async () => {
    const written: number[] = [];
    const run = consumeOrderLines(exportLines(5_500), "USD", {
      writeOrders: async (rows) => {
        await sleep(5);
        if (written.length === 1) throw new Error("connection lost");
        written.push(rows.length);
      },
      addLateItems: async () => undefined,
    });
    await expect(run).rejects.toThrow("connection lost");
    expect(written).toEqual([1_000]);
  });
});
