-- Lift per segment against its control group (issue 16).

-- Entries record the arm they were assigned, so lift counts a customer where they started.
ALTER TABLE "MembershipEvent" ADD COLUMN "control" BOOLEAN;

-- Entries from before this column: the arm of the membership where it still exists (control
-- flags change only with the control share). The compute falls back to the stable hash for the rest.
UPDATE "MembershipEvent" e SET "control" = m."control"
FROM "Membership" m
WHERE e."entered" AND m."shopId" = e."shopId" AND m."customerId" = e."customerId" AND m."segmentKey" = e."segmentKey";

-- CreateTable
CREATE TABLE "SegmentLift" (
    "shopId" INTEGER NOT NULL,
    "runId" BIGINT NOT NULL,
    "segmentKey" TEXT NOT NULL,
    "windowDays" INTEGER NOT NULL,
    "asOf" TIMESTAMP(3) NOT NULL,
    "treated" INTEGER NOT NULL,
    "control" INTEGER NOT NULL,
    "sufficient" BOOLEAN NOT NULL,
    "revenueLift" DOUBLE PRECISION,
    "revenueLow" DOUBLE PRECISION,
    "revenueHigh" DOUBLE PRECISION,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SegmentLift_pkey" PRIMARY KEY ("shopId", "runId", "segmentKey", "windowDays")
);

-- CreateIndex
CREATE INDEX "SegmentLift_shopId_segmentKey_runId_idx" ON "SegmentLift"("shopId", "segmentKey", "runId");

-- AddForeignKey
ALTER TABLE "SegmentLift" ADD CONSTRAINT "SegmentLift_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
