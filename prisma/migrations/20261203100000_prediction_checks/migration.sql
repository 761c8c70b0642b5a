-- CreateTable
CREATE TABLE "PredictionCheck" (
    "id" BIGSERIAL NOT NULL,
    "shopId" INTEGER NOT NULL,
    "runId" BIGINT NOT NULL,
    "asOf" TIMESTAMP(3) NOT NULL,
    "horizonDays" INTEGER NOT NULL,
    "sufficient" BOOLEAN NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PredictionCheck_pkey" PRIMARY KEY ("shopId", "id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PredictionCheck_shopId_runId_key" ON "PredictionCheck"("shopId", "runId");

-- AddForeignKey
ALTER TABLE "PredictionCheck" ADD CONSTRAINT "PredictionCheck_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
