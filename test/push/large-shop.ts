import db from "~/db.server";
import type { EmulatedApp } from "../helpers/emulated-app";

// A large shop for the bulk test and the benchmark. Back-filling 50k–100k customers with their
// orders takes minutes, and the push only needs customers, so the emulator's customers are
// copied straight into the database (as the sync would store them), without orders.

export async function installWithCustomersOnly(env: EmulatedApp): Promise<number> {
  // Our tag writes come back as customers/update webhooks; nobody is listening here.
  env.emu.webhooks.hold();
  await env.install();
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: env.shop } });
  const ids: string[] = [];
  const tags: string[] = [];
  const flush = async () => {
    await db.$executeRaw`
      INSERT INTO "Customer" ("shopId", "shopifyId", tags, "updatedAt")
      SELECT ${shop.id}, c.id, ARRAY(SELECT jsonb_array_elements_text(c.tags::jsonb)), now()
      FROM unnest(${ids}::bigint[], ${tags}::text[]) AS c(id, tags)
      ON CONFLICT DO NOTHING`;
    ids.length = 0;
    tags.length = 0;
  };
  for (const { record } of env.emu.shop(env.shop).customers()) {
    ids.push(String(record.id));
    tags.push(JSON.stringify(record.tags));
    if (ids.length === 10_000) await flush();
  }
  if (ids.length) await flush();
  // As the back-fill does after storing customers.
  await db.$executeRaw`ANALYZE "Customer"`;
  return shop.id;
}

/** Every customer in one or two segments: 1.5 tags and one `segments` metafield each on average. */
export async function writeLargeMemberships(shopId: number) {
  await db.$executeRaw`
    INSERT INTO "Segment" ("shopId", key, kind, name, "updatedAt") VALUES
      (${shopId}, 'rfm-loyal', 'RFM', 'Loyal', now()), (${shopId}, 'churn-risk-high', 'PREDICTIVE', 'Churn risk: high', now())
    ON CONFLICT DO NOTHING`;
  await db.$executeRaw`
    INSERT INTO "Membership" ("shopId", "customerId", "segmentKey")
    SELECT "shopId", id, 'rfm-loyal' FROM "Customer" WHERE "shopId" = ${shopId}
    UNION ALL
    SELECT "shopId", id, 'churn-risk-high' FROM "Customer" WHERE "shopId" = ${shopId} AND id % 2 = 0
    ON CONFLICT DO NOTHING`;
  // As a compute does after a large membership write.
  await db.$executeRaw`ANALYZE "Membership"`;
}
