import type { Db } from "~/db.server";
import type { Queues } from "~/queues.server";
import type { AdminClient } from "~/shopify/admin-client.server";

/** What every job processor is given to work with. */
export interface JobDeps {
  db: Db;
  queues: Queues;
  /** Admin API access for a shop (from its stored offline session in production). */
  adminForShop?: (shop: string) => Promise<AdminClient>;
  /** A customer's orders changed: re-score them (debounced). */
  onCustomerChanged?: (shopId: number, customerShopifyId: bigint) => Promise<void>;
  /** Customers were marked `privacyCheckDue`: read their tags and opt-out from Shopify (debounced). */
  onPrivacyCheckDue?: (shopId: number) => Promise<void>;
  /** Collections were marked `membershipsDue`: re-read their products from Shopify (debounced). */
  onCollectionMembershipsDue?: (shopId: number) => Promise<void>;
}
