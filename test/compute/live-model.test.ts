import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { computeShop } from "~/compute/compute-shop.server";
import { latestPredictionCheck } from "~/compute/prediction-check.server";
import { loadTransactions } from "~/compute/load-transactions.server";
import { rescoreCustomer } from "~/compute/rescore-customer.server";
import { analyzeShop, type FittedModel } from "~/segmentation";
import type { Prisma } from "~/generated/prisma/client";
import { seasonAt } from "~/segmentation/predictions";
import { BENCH_SHOP, syntheticShop } from "../bench/synthetic-shop";
import { uniqueShopDomain } from "../helpers/shops";

// A full compute on a seasonal shop (three years, purchase rate ±60 % over the year): the
// stored check compares every candidate and chooses the seasonal adjustment, the stored model
// carries it, and re-scoring one customer from the stored model gives the batch's scores.

const asOf = BENCH_SHOP.end;
let shopId: number;
const scoreFields = ["pAlive", "churnRisk", "expectedOrders", "clv", "expectedAov"] as const;

beforeAll(async () => {
  const tx = syntheticShop({ ...BENCH_SHOP, customers: 20_000, seasonality: { amplitude: 0.6, peakDayOfYear: 235 } });
  const shop = await db.shop.create({ data: { domain: uniqueShopDomain("live-model") } });
  shopId = shop.id;
  const ids = tx.customerIds.map((_, i) => BigInt(i + 1));
  await db.$executeRaw`
    INSERT INTO "Customer" ("shopId", "shopifyId", "updatedAt")
    SELECT ${shopId}, id, ${asOf} FROM unnest(${ids}::bigint[]) AS id`;
  const customer = Array.from(tx.customer, (c) => BigInt(c + 1));
  const processedAt = Array.from(tx.time, (t) => new Date(t));
  const amount = Array.from(tx.amount, (a) => a.toFixed(2));
  await db.$executeRaw`
    INSERT INTO "Order" ("shopId", "shopifyId", "customerShopifyId", "processedAt", "shopifyUpdatedAt", "currency", "totalPrice", "updatedAt")
    SELECT ${shopId}, ordinality, c, p, ${asOf}, 'USD', a::numeric, ${asOf}
    FROM unnest(${customer}::bigint[], ${processedAt}::timestamp[], ${amount}::text[]) WITH ORDINALITY AS o(c, p, a, ordinality)`;
  await db.$executeRaw`ANALYZE "Customer", "Order"`;
  const run = await db.run.create({ data: { shopId, kind: "COMPUTE", status: "RUNNING" } });
  await computeShop(db, shopId, run.id, asOf);
}, 300_000);

afterAll(async () => {
  await db.shop.deleteMany({ where: { id: shopId } });
});

describe("compute on a seasonal shop", () => {
  it("stores a check that compared every candidate and chose the seasonal adjustment, which the stored model carries", async () => {
    const check = (await latestPredictionCheck(db, shopId))!;
    expect(check.models.map((m) => m.name)).toEqual([
      "bgnbd",
      "pareto-nbd",
      "bgnbd+seasonal",
      "bgnbd+learned",
      "bgnbd+learned-blend",
    ]);
    expect(check.choice.chosen).toBe("bgnbd+seasonal");
    expect(check.choice.reason).toMatch(/^BG\/NBD, seasonally adjusted: mean error/);
    expect(check.live).toMatchObject({ chosen: "bgnbd+seasonal", uses: "BG/NBD, seasonally adjusted", follows: true });
    const stored = await db.shopModel.findUniqueOrThrow({ where: { shopId } });
    const model = (stored.params as unknown as { model: FittedModel }).model;
    expect(model.seasonal!.monthly).toHaveLength(12);
    expect(seasonAt(model)!.horizon).toBeGreaterThan(1.15);
  });

  it("re-scoring a customer from the stored model at the run's as-of day gives the batch's scores", async () => {
    const customers = await db.customer.findMany({
      where: { shopId },
      orderBy: { shopifyId: "asc" },
      take: 12,
      skip: 500,
    });
    for (const customer of customers) {
      const batch = await db.customerScore.findUniqueOrThrow({
        where: { shopId_customerId: { shopId, customerId: customer.id } },
      });
      expect(await rescoreCustomer(db, shopId, customer.shopifyId, asOf)).toBe("rescored");
      const one = await db.customerScore.findUniqueOrThrow({
        where: { shopId_customerId: { shopId, customerId: customer.id } },
      });
      for (const field of scoreFields) expect(one[field]).toBeCloseTo(batch[field]!, 9);
      expect(one.lifecycle).toBe(batch.lifecycle);
    }
  });

  it("with learned trees stored in the model, an order-webhook re-score recomputes the customer's tree features and writes exactly the batch's scores", async () => {
    // The engine told that the learned trees won, on the orders as stored; its model replaces the stored one.
    const { columns } = await loadTransactions(db, shopId);
    const options = { asOf, utcOffsetMinutes: 0, predictionHorizonDays: 90 };
    const analysis = analyzeShop(columns, options, {
      modelChoice: { chosen: "bgnbd+learned", label: "BG/NBD with learned trees" },
    });
    expect(analysis.diagnostics.liveModel).toMatchObject({ uses: "BG/NBD with learned trees", follows: true });
    const stored = await db.shopModel.findUniqueOrThrow({ where: { shopId } });
    const params = { ...(stored.params as Prisma.JsonObject), model: JSON.parse(JSON.stringify(analysis.model)) };
    await db.shopModel.update({ where: { shopId }, data: { params: params as Prisma.InputJsonObject } });
    const plain = analyzeShop(columns, options);
    const index = new Map(analysis.customers.ids.map((id, c) => [id, c]));
    const f = analysis.customers.features;
    const customers = await db.customer.findMany({
      where: { shopId },
      orderBy: { shopifyId: "asc" },
      take: 8,
      skip: 900,
    });
    let scaled = 0;
    for (const customer of customers) {
      expect(await rescoreCustomer(db, shopId, customer.shopifyId, asOf)).toBe("rescored");
      const one = await db.customerScore.findUniqueOrThrow({
        where: { shopId_customerId: { shopId, customerId: customer.id } },
      });
      const c = index.get(customer.id.toString())!;
      // Same as the batch to the last bits a float8 column keeps.
      for (const field of ["expectedOrders", "churnRisk", "clv", "pAlive"] as const)
        expect(Math.abs(one[field]! - f[field][c])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(f[field][c])));
      if (Math.abs(f.expectedOrders[c] - plain.customers.features.expectedOrders[c]) > 1e-9) scaled++;
    }
    // And not plain BG/NBD's: the trees moved them.
    expect(scaled).toBeGreaterThan(0);
  });
});
