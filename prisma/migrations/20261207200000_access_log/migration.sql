-- CreateTable
CREATE TABLE "AccessLogEntry" (
    "shopId" INTEGER NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "userId" TEXT,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "detail" JSONB,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessLogEntry_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateIndex
CREATE INDEX "AccessLogEntry_shopId_at_idx" ON "AccessLogEntry"("shopId", "at");

-- CreateIndex
CREATE INDEX "AccessLogEntry_at_idx" ON "AccessLogEntry"("at");

-- AddForeignKey
ALTER TABLE "AccessLogEntry" ADD CONSTRAINT "AccessLogEntry_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
