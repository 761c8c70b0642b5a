import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { readJsonl } from "~/shopify/bulk.server";
import { consumeOrderLines } from "~/sync/backfill.server";

// The back-fill streams the bulk JSONL: memory must not grow with the file. A 200,000-order
// export (with 2 line items each, ~300 MB) is served over HTTP and consumed; heap use is
// sampled after every batch.

const ORDERS = 200_000;

function orderLine(i: number) {
  return JSON.stringify({
    id: `gid://shopify/Order/${1_000_000 + i}`,
    name: `#${1000 + i}`,
    createdAt: "2026-01-02T10:00:00Z",
    processedAt: "2026-01-02T10:00:00Z",
    updatedAt: "2026-01-03T10:00:00Z",
    cancelledAt: null,
    test: false,
    displayFinancialStatus: "PAID",
    currencyCode: "USD",
    presentmentCurrencyCode: "EUR",
    customer: { id: `gid://shopify/Customer/${5_000 + (i % 40_000)}` },
    totalPriceSet: { shopMoney: { amount: "84.20" } },
    subtotalPriceSet: { shopMoney: { amount: "70.00" } },
    refunds:
      i % 20 === 0 ? [{ id: `gid://shopify/Refund/${i}`, totalRefundedSet: { shopMoney: { amount: "10.00" } } }] : [],
    note: "x".repeat(1200), // real orders carry far more than we read
  });
}

function itemLine(i: number, j: number) {
  return JSON.stringify({
    id: `gid://shopify/LineItem/${(1_000_000 + i) * 10 + j}`,
    quantity: 1 + j,
    originalTotalSet: { shopMoney: { amount: "35.00" } },
    product: { id: `gid://shopify/Product/${100 + j}`, productType: "Tea" },
    __parentId: `gid://shopify/Order/${1_000_000 + i}`,
  });
}

describe("back-fill memory", () => {
  it("stays flat while consuming a 200k-order JSONL", async () => {
    let bytes = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/jsonl" });
      let i = 0;
      const pump = () => {
        while (i < ORDERS) {
          const chunk = `${orderLine(i)}\n${itemLine(i, 0)}\n${itemLine(i, 1)}\n`;
          bytes += chunk.length;
          i++;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders.jsonl`;

    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    const samples: number[] = [];
    let written = 0;
    let items = 0;
    try {
      const counts = await consumeOrderLines(readJsonl(url), "USD", {
        writeOrders: async (rows) => {
          written += rows.length;
          for (const row of rows) items += row.lineItems.length;
        },
        addLateItems: async (late) => {
          for (const list of late.values()) items += list.length;
        },
        onBatch: () => {
          const used = process.memoryUsage().heapUsed - baseline;
          peak = Math.max(peak, used);
          samples.push(used);
        },
      });
      expect(counts).toEqual({ orders: ORDERS, lineItems: 2 * ORDERS });
    } finally {
      server.close();
    }
    expect(written).toBe(ORDERS);
    expect(items).toBe(2 * ORDERS);
    expect(bytes).toBeGreaterThan(280 * 1024 * 1024);
    // Holding the file (or its parsed orders) would take hundreds of MB; a batch takes a few.
    // Garbage collection makes a sawtooth; holding the file would need several times its size.
    expect(peak).toBeLessThan(150 * 1024 * 1024);
    const firstHalf = Math.max(...samples.slice(0, samples.length / 2));
    const secondHalf = Math.max(...samples.slice(samples.length / 2));
    expect(secondHalf).toBeLessThan(firstHalf + 60 * 1024 * 1024);
  });
});
