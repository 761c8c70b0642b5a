-- The storefront sees segment tokens (HMAC of the key with this per-shop secret), never keys.
ALTER TABLE "Shop" ADD COLUMN "storefrontKey" TEXT;
-- What the app's installation carries for the blocks (secret, tag prefixes): sent only when it changes.
ALTER TABLE "Shop" ADD COLUMN "storefrontPushed" JSONB;

-- Recommendation metaobjects are handled by token; the ones pushed so far by key.
ALTER TABLE "PushedRecommendation" ADD COLUMN "handle" TEXT;
UPDATE "PushedRecommendation" SET "handle" = "segmentKey";
ALTER TABLE "PushedRecommendation" ALTER COLUMN "handle" SET NOT NULL;
