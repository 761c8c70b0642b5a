import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { queues } from "~/queues.server";
import { changedSince } from "~/sync/backfill.server";
import { enqueuePlanCheck } from "~/enqueue.server";

/** Records the shop as installed (again) and starts its back-fill. Called after token exchange. */
export async function onShopInstalled(domain: string): Promise<void> {
  const before = await db.shop.findUnique({ where: { domain }, select: { uninstalledAt: true } });
  const shop = await db.shop.upsert({
    where: { domain },
    create: { domain },
    // A new installation carries no app-data metafields: the next push sends the blocks' config.
    update: { uninstalledAt: null, storefrontPushed: Prisma.DbNull },
  });
  // Every install and re-auth reads the plan again: a reinstall never keeps the old subscription.
  await enqueuePlanCheck(queues(), shop.id);
  // One full back-fill per shop; Settings → Resync runs another.
  const sync = await db.run.findFirst({
    where: { shopId: shop.id, kind: "SYNC", status: { in: ["QUEUED", "RUNNING", "SUCCEEDED"] } },
    orderBy: { id: "desc" },
  });
  if (!sync) {
    await startSync(shop.id, "install");
    return;
  }
  // Reinstalled after a gap: Shopify sent no webhooks meanwhile, so fetch what changed since.
  // (A back-fill still queued or running when the app was removed finishes on its own retries.)
  if (before?.uninstalledAt && sync.status === "SUCCEEDED") {
    await startSync(shop.id, "reinstall", (await changedSince(db, shop.id)) ?? undefined);
  }
}

/** Creates a sync run record and queues it; one job per run id, so a retry never doubles it. */
export async function startSync(shopId: number, trigger: string, since?: Date) {
  const run = await db.run.create({ data: { shopId, kind: "SYNC", trigger } });
  await queues().enqueue(
    "sync",
    { shopId, runId: run.id.toString(), since: since?.toISOString() },
    { jobId: `sync-${run.id}` },
  );
  return run;
}

/** The shop row for an authenticated session's domain; created if the install hook hasn't yet. */
export async function shopForDomain(domain: string) {
  return db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}
