import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { queues } from "~/queues.server";

/** Records the shop as installed (again) and starts its back-fill. Called after token exchange. */
export async function onShopInstalled(domain: string): Promise<void> {
  const shop = await db.shop.upsert({
    where: { domain },
    create: { domain },
    // A new installation carries no app-data metafields: the next push sends the blocks' config.
    update: { uninstalledAt: null, storefrontPushed: Prisma.DbNull },
  });
  // One back-fill per shop; Settings → Resync runs another. (A reinstall after a gap does not
  // catch up on its own yet: orders placed while uninstalled arrive only with a resync.)
  const sync = await db.run.findFirst({
    where: { shopId: shop.id, kind: "SYNC", status: { in: ["QUEUED", "RUNNING", "SUCCEEDED"] } },
  });
  if (sync) return;
  await startSync(shop.id, "install");
}

/** Creates a sync run record and queues it; one job per run id, so a retry never doubles it. */
export async function startSync(shopId: number, trigger: string) {
  const run = await db.run.create({ data: { shopId, kind: "SYNC", trigger } });
  await queues().enqueue("sync", { shopId, runId: run.id.toString() }, { jobId: `sync-${run.id}` });
  return run;
}

/** The shop row for an authenticated session's domain; created if the install hook hasn't yet. */
export async function shopForDomain(domain: string) {
  return db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

export async function shopOverview(domain: string) {
  const shop = await shopForDomain(domain);
  const [customers, orders] = await Promise.all([
    db.customer.count({ where: { shopId: shop.id } }),
    db.order.count({ where: { shopId: shop.id } }),
  ]);
  return { shop: { domain: shop.domain, currency: shop.currency }, customers, orders };
}
