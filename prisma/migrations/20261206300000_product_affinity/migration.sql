-- Product affinity (issue 17): each customer's top product type and top vendor by net spend, as
-- the last compute found them (rules and the customer page read them), and a segment kind for the
-- automatic affinity segments ("Coffee lovers").

-- AlterEnum
ALTER TYPE "SegmentKind" ADD VALUE 'AFFINITY';

-- AlterTable
ALTER TABLE "CustomerScore" ADD COLUMN "topProductType" TEXT,
ADD COLUMN "topProductTypeSpend" DECIMAL(14,2),
ADD COLUMN "topVendor" TEXT,
ADD COLUMN "topVendorSpend" DECIMAL(14,2);
