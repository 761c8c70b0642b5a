import { afterAll, describe, expect, it } from "vitest";
import db from "~/db.server";
import { scheduleAllDailyComputes } from "~/enqueue.server";
import { Queues } from "~/queues.server";
import { uniqueQueuePrefix, uniqueShopDomain } from "../helpers/shops";

// The daily computes live in Redis only: a worker registers them all again at start, so a Redis
// that lost them (or queue keys that moved on upgrade) costs no shop its schedule.

const appQueues = new Queues({ redisUrl: process.env.REDIS_URL!, prefix: uniqueQueuePrefix("schedules") });
afterAll(() => appQueues.close());

describe("scheduleAllDailyComputes", () => {
  it("schedules every installed shop's daily compute, in its hour and time zone, once however often it runs", async () => {
    const installed = await db.shop.create({
      data: { domain: uniqueShopDomain("sched"), timezone: "Europe/Paris", settings: { recomputeHour: 4 } },
    });
    const other = await db.shop.create({ data: { domain: uniqueShopDomain("sched") } });
    const gone = await db.shop.create({ data: { domain: uniqueShopDomain("sched"), uninstalledAt: new Date() } });

    const count = await scheduleAllDailyComputes(db, appQueues);
    expect(count).toBe(await db.shop.count({ where: { uninstalledAt: null } }));
    await scheduleAllDailyComputes(db, appQueues);

    const schedulers = await appQueues.get("compute").getJobSchedulers(0, -1);
    const ids = schedulers.map((s) => s.key);
    expect(ids).toContain(`compute-daily-${installed.id}`);
    expect(ids).toContain(`compute-daily-${other.id}`);
    expect(ids).not.toContain(`compute-daily-${gone.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(count);
    const paris = schedulers.find((s) => s.key === `compute-daily-${installed.id}`)!;
    expect({ pattern: paris.pattern, tz: paris.tz }).toEqual({ pattern: "0 4 * * *", tz: "Europe/Paris" });
  });
});
