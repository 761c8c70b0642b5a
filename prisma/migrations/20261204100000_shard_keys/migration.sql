-- Shardable by shop (Citus, docs/scaling.md): every primary key of a shop-owned table includes its
-- distribution column (shopId, or shopDomain for the inbox and compliance log), and foreign keys to
-- Customer join on (shopId, customerId), so a customer's rows always live on one shard.
-- Existing rows keep their ids; the composite foreign keys hold because each child row already
-- carries its customer's shopId.

-- DropForeignKey (they depend on Customer_pkey)
ALTER TABLE "Membership" DROP CONSTRAINT "Membership_customerId_fkey";
ALTER TABLE "CustomerScore" DROP CONSTRAINT "CustomerScore_customerId_fkey";
ALTER TABLE "PushedTag" DROP CONSTRAINT "PushedTag_customerId_fkey";
ALTER TABLE "PushedMetafields" DROP CONSTRAINT "PushedMetafields_customerId_fkey";

-- AlterPrimaryKey
ALTER TABLE "Customer" DROP CONSTRAINT "Customer_pkey", ADD CONSTRAINT "Customer_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "Order" DROP CONSTRAINT "Order_pkey", ADD CONSTRAINT "Order_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "Segment" DROP CONSTRAINT "Segment_pkey", ADD CONSTRAINT "Segment_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "MembershipEvent" DROP CONSTRAINT "MembershipEvent_pkey", ADD CONSTRAINT "MembershipEvent_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "CustomerScore" DROP CONSTRAINT "CustomerScore_pkey", ADD CONSTRAINT "CustomerScore_pkey" PRIMARY KEY ("shopId", "customerId");
ALTER TABLE "SegmentSnapshot" DROP CONSTRAINT "SegmentSnapshot_pkey", ADD CONSTRAINT "SegmentSnapshot_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "Run" DROP CONSTRAINT "Run_pkey", ADD CONSTRAINT "Run_pkey" PRIMARY KEY ("shopId", "id");
ALTER TABLE "PushedTag" DROP CONSTRAINT "PushedTag_pkey", ADD CONSTRAINT "PushedTag_pkey" PRIMARY KEY ("shopId", "customerId", "tag");
ALTER TABLE "PushedMetafields" DROP CONSTRAINT "PushedMetafields_pkey", ADD CONSTRAINT "PushedMetafields_pkey" PRIMARY KEY ("shopId", "customerId");
ALTER TABLE "WebhookEvent" DROP CONSTRAINT "WebhookEvent_pkey", ADD CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("shopDomain", "id");
ALTER TABLE "ComplianceRequest" DROP CONSTRAINT "ComplianceRequest_pkey", ADD CONSTRAINT "ComplianceRequest_pkey" PRIMARY KEY ("shopDomain", "id");

-- DropIndex (the new primary keys lead with shopId and serve these lookups)
DROP INDEX "PushedTag_shopId_idx";
DROP INDEX "PushedMetafields_shopId_idx";

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_shopId_customerId_fkey" FOREIGN KEY ("shopId", "customerId") REFERENCES "Customer"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CustomerScore" ADD CONSTRAINT "CustomerScore_shopId_customerId_fkey" FOREIGN KEY ("shopId", "customerId") REFERENCES "Customer"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PushedTag" ADD CONSTRAINT "PushedTag_shopId_customerId_fkey" FOREIGN KEY ("shopId", "customerId") REFERENCES "Customer"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PushedMetafields" ADD CONSTRAINT "PushedMetafields_shopId_customerId_fkey" FOREIGN KEY ("shopId", "customerId") REFERENCES "Customer"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
