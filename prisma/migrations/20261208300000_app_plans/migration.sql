-- Shopify App Pricing: the plan read from the installation's active subscriptions.
-- Existing installs get NULL ("not read yet", which reads as the Pro plan) until their plan check.
ALTER TABLE "Shop" ADD COLUMN "appPlan" TEXT;
ALTER TABLE "Shop" ADD COLUMN "appSubscription" JSONB;
ALTER TABLE "Shop" ADD COLUMN "appPlanCheckedAt" TIMESTAMP(3);
