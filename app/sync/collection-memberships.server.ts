import type { Db } from "~/db.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { COLLECTION_PRODUCTS } from "~/shopify/documents";
import { shopifyId } from "~/sync/parse-payload";
import { replaceCollectionProducts, replaceProductCollections } from "~/sync/write-records.server";

// Collection memberships after a webhook: collections/create|update payloads list no products
// and products/create|update list no collections, so the applier marks the collection
// `membershipsDue` (or the product `collectionsDue`) and this job (debounced per shop, like the
// privacy check) reads from Shopify each marked collection's products, 250 a page, and each
// marked product's collections, 50 products a query, and makes ProductCollection exactly that.
// The products whose collections changed are handed back, so their buyers can be re-scored.

const PRODUCT_BATCH = 50;
/** A product's collections read at once; a product in more keeps the rest as stored. */
const COLLECTIONS_PER_PRODUCT = 250;

/** Products' collections: one aliased `product` field per id (`p0`, `p1`…). */
export function productCollectionsQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$id${i}: ID!`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `p${i}: product(id: $id${i}) { id collections(first: ${COLLECTIONS_PER_PRODUCT}) { pageInfo { hasNextPage } nodes { id } } }`,
  );
  return `query ProductCollections(${vars}) {\n  ${fields.join("\n  ")}\n}`;
}

type ProductCollectionsAnswer = Record<
  string,
  { id: string; collections: { pageInfo: { hasNextPage: boolean }; nodes: { id: string }[] } } | null
>;

/** Enough for any real collection; a longer listing is a bug (a cursor that never ends), not a shop. */
const MAX_PAGES = 2_000;

interface CollectionProductsPage {
  collection: {
    id: string;
    products: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { id: string }[] };
  } | null;
}

/** Every product of the collection as Shopify lists it now; null when the collection is gone. */
export async function readCollectionProducts(admin: AdminClient, collectionId: bigint): Promise<bigint[] | null> {
  const id = `gid://shopify/Collection/${collectionId}`;
  const products: bigint[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data: CollectionProductsPage = await admin.request<CollectionProductsPage>(COLLECTION_PRODUCTS, {
      id,
      after,
    });
    if (!data.collection) return null;
    for (const node of data.collection.products.nodes) products.push(shopifyId(node.id, "product.id"));
    const { hasNextPage, endCursor } = data.collection.products.pageInfo;
    if (!hasNextPage || !endCursor) return products;
    after = endCursor;
  }
  throw new Error(`collection ${collectionId}: more than ${MAX_PAGES} pages of products`);
}

export interface CollectionMembershipDeps {
  db: Db;
  adminForShop?: (shop: string) => Promise<AdminClient>;
  /** Products joined or left a collection: re-score their buyers (or recompute the shop). */
  onProductsChanged?: (shopId: number, productIds: bigint[]) => Promise<void>;
}

/** Re-reads the products of the shop's collections marked `membershipsDue` and the collections of its products marked `collectionsDue`. */
export async function syncCollectionMemberships(deps: CollectionMembershipDeps, shopId: number) {
  const { db } = deps;
  const shop = await db.shop.findUnique({ where: { id: shopId } });
  if (!shop || shop.uninstalledAt || !deps.adminForShop) return { skipped: "no admin access" };
  const admin = await deps.adminForShop(shop.domain);
  let collections = 0;
  const changed = new Set<bigint>();
  for (;;) {
    const due = await db.collection.findMany({
      where: { shopId, membershipsDue: true, deletedAt: null },
      select: { shopifyId: true },
      orderBy: { shopifyId: "asc" },
      take: 50,
    });
    if (due.length === 0) break;
    for (const { shopifyId: collectionId } of due) {
      // Cleared first: a webhook arriving meanwhile marks it again and it is read on the next run.
      await db.collection.updateMany({
        where: { shopId, shopifyId: collectionId },
        data: { membershipsDue: false },
      });
      let products: bigint[] | null;
      try {
        products = await readCollectionProducts(admin, collectionId);
      } catch (error) {
        // Marked again, so the job's retry (or the next one) reads it; nothing half-written.
        await db.collection.updateMany({
          where: { shopId, shopifyId: collectionId, deletedAt: null },
          data: { membershipsDue: true },
        });
        throw error;
      }
      // Gone in Shopify (its collections/delete is on its way): no products; the tombstone follows.
      for (const id of await replaceCollectionProducts(db, shopId, collectionId, products ?? [])) changed.add(id);
      collections++;
    }
  }
  let products = 0;
  for (;;) {
    const due = await db.product.findMany({
      where: { shopId, collectionsDue: true, deletedAt: null },
      select: { shopifyId: true },
      orderBy: { shopifyId: "asc" },
      take: PRODUCT_BATCH,
    });
    if (due.length === 0) break;
    const ids = due.map((p) => p.shopifyId);
    await db.product.updateMany({ where: { shopId, shopifyId: { in: ids } }, data: { collectionsDue: false } });
    let data: ProductCollectionsAnswer;
    try {
      data = await admin.request<ProductCollectionsAnswer>(
        productCollectionsQuery(ids.length),
        Object.fromEntries(ids.map((id, i) => [`id${i}`, `gid://shopify/Product/${id}`])),
      );
    } catch (error) {
      await db.product.updateMany({
        where: { shopId, shopifyId: { in: ids }, deletedAt: null },
        data: { collectionsDue: true },
      });
      throw error;
    }
    for (const [i, productId] of ids.entries()) {
      const found = data[`p${i}`];
      // Gone (its products/delete is on its way) or in more collections than one read holds: left as stored.
      if (!found || found.collections.pageInfo.hasNextPage) continue;
      const collectionIds = found.collections.nodes.map((n) => shopifyId(n.id, "collection.id"));
      if (await replaceProductCollections(db, shopId, productId, collectionIds)) changed.add(productId);
    }
    products += ids.length;
  }
  if (changed.size > 0) await deps.onProductsChanged?.(shopId, [...changed]);
  return { collections, products, productsChanged: changed.size };
}
