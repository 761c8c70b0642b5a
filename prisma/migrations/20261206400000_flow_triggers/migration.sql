-- AlterTable
ALTER TABLE "Segment" ADD COLUMN "flowTriggersAfterEventId" BIGINT;

-- CreateEnum
CREATE TYPE "FlowTriggerState" AS ENUM ('SENDING', 'SENT', 'REJECTED', 'LOST', 'SKIPPED');

-- CreateTable
CREATE TABLE "FlowTriggerSend" (
    "shopId" INTEGER NOT NULL,
    "eventId" BIGINT NOT NULL,
    "trigger" TEXT NOT NULL,
    "customerId" BIGINT NOT NULL,
    "state" "FlowTriggerState" NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "payload" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlowTriggerSend_pkey" PRIMARY KEY ("shopId","eventId","trigger")
);

-- CreateIndex
CREATE INDEX "FlowTriggerSend_shopId_state_idx" ON "FlowTriggerSend"("shopId", "state");

-- AddForeignKey
ALTER TABLE "FlowTriggerSend" ADD CONSTRAINT "FlowTriggerSend_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "MembershipEvent_shopId_customerId_segmentKey_idx" ON "MembershipEvent"("shopId", "customerId", "segmentKey");
