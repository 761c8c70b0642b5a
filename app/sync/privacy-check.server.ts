import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { appTagPrefixes } from "~/settings";
import { merchantTags } from "~/sync/parse-payload";
import { storeCustomerPrivacy } from "~/sync/write-records.server";

// The privacy check: customers/create|update carry no tags or data sale opt-out (API 2025-01 on),
// so the applier marks a profiled or opted-out customer `privacyCheckDue` and this job (debounced
// per shop) reads their `tags` and `dataSaleOptOut` from Shopify, 50 a query, stores them, and
// queues a re-score of each customer whose opt-out of profiling changed. Our own tag writes echo
// as customers/update too; batching keeps that to one query per 50 customers and no re-score.

const BATCH = 50;

/**
 * Customers' tags and data sale opt-out, for the privacy check: customers/update payloads carry
 * neither (since API 2025-01), and either can opt a customer out of profiling. One aliased
 * `customer` field per id (`c0`, `c1`…).
 */
export function customersPrivacyQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$id${i}: ID!`).join(", ");
  const fields = Array.from({ length: count }, (_, i) => `c${i}: customer(id: $id${i}) { id tags dataSaleOptOut }`);
  return `query CustomersPrivacy(${vars}) {\n  ${fields.join("\n  ")}\n}`;
}

export interface PrivacyCheckDeps {
  db: Db;
  adminForShop?: (shop: string) => Promise<AdminClient>;
  /** The customer's opt-out changed: re-score them (debounced). */
  onCustomerChanged?: (shopId: number, customerShopifyId: bigint) => Promise<void>;
}

export async function checkCustomerPrivacy(deps: PrivacyCheckDeps, shopId: number) {
  const { db } = deps;
  const shop = await db.shop.findUnique({ where: { id: shopId } });
  if (!shop || shop.uninstalledAt || !deps.adminForShop) return { skipped: "no admin access" };
  const admin = await deps.adminForShop(shop.domain);
  const prefixes = appTagPrefixes(shop.settings);
  let checked = 0;
  let changed = 0;
  for (;;) {
    const due = await db.customer.findMany({
      where: { shopId, privacyCheckDue: true },
      select: { id: true, shopifyId: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    if (due.length === 0) break;
    const variables = Object.fromEntries(due.map((c, i) => [`id${i}`, `gid://shopify/Customer/${c.shopifyId}`]));
    const data = await admin.request<Record<string, { tags: string[]; dataSaleOptOut: boolean } | null>>(
      customersPrivacyQuery(due.length),
      variables,
    );
    for (const [i, customer] of due.entries()) {
      const found = data[`c${i}`];
      // Cleared first: an update arriving meanwhile marks it again and is read on the next run.
      await db.customer.update({
        where: { shopId_id: { shopId, id: customer.id } },
        data: { privacyCheckDue: false },
      });
      if (!found) continue;
      const tags = merchantTags(found.tags, prefixes);
      if (await storeCustomerPrivacy(db, shopId, customer.shopifyId, tags, found.dataSaleOptOut)) {
        changed++;
        await deps.onCustomerChanged?.(shopId, customer.shopifyId);
      }
    }
    checked += due.length;
  }
  return { checked, changed };
}
