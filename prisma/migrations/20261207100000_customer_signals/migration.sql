-- Customer signals (issue 17, issue 16's reachable audience): per order its discount codes, the
-- amount discounted and its sales channel; per customer the country, province and city of the
-- default address (no street lines, no postal code) and the email and SMS marketing states, read
-- from Shopify and never written back. A segment kind for the automatic signal segments
-- ("Discount-driven", "Full-price loyal", "In-store only", "Online only").

-- AlterEnum
ALTER TYPE "SegmentKind" ADD VALUE 'SIGNAL';

-- AlterTable
ALTER TABLE "Order" ADD COLUMN "discountCodes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "totalDiscounts" DECIMAL(14,2) NOT NULL DEFAULT 0,
ADD COLUMN "sourceName" TEXT,
ADD COLUMN "channel" TEXT;

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "countryCode" TEXT,
ADD COLUMN "provinceCode" TEXT,
ADD COLUMN "city" TEXT,
ADD COLUMN "emailMarketingState" TEXT,
ADD COLUMN "emailConsentUpdatedAt" TIMESTAMP(3),
ADD COLUMN "smsMarketingState" TEXT,
ADD COLUMN "smsConsentUpdatedAt" TIMESTAMP(3);

-- AlterTable: the reachable audience per segment and run (members, holdouts not counted, subscribed).
ALTER TABLE "SegmentSnapshot" ADD COLUMN "emailReachable" INTEGER,
ADD COLUMN "smsReachable" INTEGER;
