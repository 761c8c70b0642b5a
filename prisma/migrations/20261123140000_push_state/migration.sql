-- CreateTable
CREATE TABLE "PushedSegment" (
    "shopId" INTEGER NOT NULL,
    "segmentKey" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "pushedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PushedSegment_pkey" PRIMARY KEY ("shopId","segmentKey")
);

-- CreateTable
CREATE TABLE "PushedMetafields" (
    "customerId" BIGINT NOT NULL,
    "shopId" INTEGER NOT NULL,
    "values" JSONB NOT NULL DEFAULT '{}',
    "pushedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PushedMetafields_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "PushedRecommendation" (
    "shopId" INTEGER NOT NULL,
    "segmentKey" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "products" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "pushedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PushedRecommendation_pkey" PRIMARY KEY ("shopId","segmentKey")
);

-- CreateIndex
CREATE INDEX "PushedMetafields_shopId_idx" ON "PushedMetafields"("shopId");

-- AddForeignKey
ALTER TABLE "PushedSegment" ADD CONSTRAINT "PushedSegment_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PushedMetafields" ADD CONSTRAINT "PushedMetafields_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PushedMetafields" ADD CONSTRAINT "PushedMetafields_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PushedRecommendation" ADD CONSTRAINT "PushedRecommendation_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
