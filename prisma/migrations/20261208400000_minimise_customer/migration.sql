-- Minimisation: the customer's account state (enabled, disabled, invited, declined) was stored but
-- no feature read it; personal data the app does not use is not kept.
ALTER TABLE "Customer" DROP COLUMN "state";
