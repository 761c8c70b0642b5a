-- products/create|update mark the product for the collection-memberships job, which re-reads the
-- product's collections: smart collections change with their products and no collection webhook
-- says so.

-- AlterTable
ALTER TABLE "Product" ADD COLUMN "collectionsDue" BOOLEAN NOT NULL DEFAULT false;
