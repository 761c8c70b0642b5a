-- Opt-out of profiling: Shopify's data sale/sharing opt-out (Customer.dataSaleOptOut) as last
-- seen, and whether the customer is excluded from scoring (that, or the shop's opt-out tag).
ALTER TABLE "Customer" ADD COLUMN "dataSaleOptOut" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Customer" ADD COLUMN "profilingOptOut" BOOLEAN NOT NULL DEFAULT false;
-- A customers/create|update arrived (it carries no tags or opt-out): read both from Shopify soon.
ALTER TABLE "Customer" ADD COLUMN "privacyCheckDue" BOOLEAN NOT NULL DEFAULT false;
