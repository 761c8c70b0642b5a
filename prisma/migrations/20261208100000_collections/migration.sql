-- Collections (issue 17): the shop's collections and which products are in each, so rules can ask
-- "bought from collection X at least N times in D days" and each customer's top collection by net
-- spend is stored with the other affinities.

-- CreateTable
CREATE TABLE "Collection" (
    "shopId" INTEGER NOT NULL,
    "shopifyId" BIGINT NOT NULL,
    "title" TEXT,
    "handle" TEXT,
    "shopifyUpdatedAt" TIMESTAMP(3),
    "membershipsDue" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMP(3),
    "syncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Collection_pkey" PRIMARY KEY ("shopId","shopifyId")
);

-- CreateTable
CREATE TABLE "ProductCollection" (
    "shopId" INTEGER NOT NULL,
    "collectionId" BIGINT NOT NULL,
    "productId" BIGINT NOT NULL,
    "syncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProductCollection_pkey" PRIMARY KEY ("shopId","collectionId","productId")
);

-- CreateIndex
CREATE INDEX "ProductCollection_shopId_productId_idx" ON "ProductCollection"("shopId", "productId");

-- AddForeignKey
ALTER TABLE "Collection" ADD CONSTRAINT "Collection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProductCollection" ADD CONSTRAINT "ProductCollection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "CustomerScore" ADD COLUMN "topCollection" TEXT,
ADD COLUMN "topCollectionSpend" DECIMAL(14,2);
