-- A compute writes a membership and an entry event per customer and segment (1.7M rows each for a
-- 340k-customer shop's first run). Their foreign keys were checked row by row and cost more than
-- the rows themselves (measured: 43 s for 1.7M memberships with their events, 28 s without).
-- What the keys guaranteed is kept another way:
-- * writers lock the shop's row FOR KEY SHARE once per transaction (app/compute/persist.server.ts),
--   so a shop cannot be deleted while its memberships are being written, nor written once deleted;
-- * the cascades become statement-level triggers: one set-based delete per statement that
--   deletes shops or customers, instead of a check per inserted row.
ALTER TABLE "Membership" DROP CONSTRAINT "Membership_shopId_fkey";
ALTER TABLE "Membership" DROP CONSTRAINT "Membership_shopId_customerId_fkey";
ALTER TABLE "MembershipEvent" DROP CONSTRAINT "MembershipEvent_shopId_fkey";

CREATE FUNCTION "segments_delete_shop_memberships"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "Membership" WHERE "shopId" IN (SELECT "id" FROM deleted);
  DELETE FROM "MembershipEvent" WHERE "shopId" IN (SELECT "id" FROM deleted);
  RETURN NULL;
END $$;

CREATE TRIGGER "Shop_delete_memberships" AFTER DELETE ON "Shop"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "segments_delete_shop_memberships"();

CREATE FUNCTION "segments_delete_customer_memberships"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "Membership" m USING deleted d WHERE m."shopId" = d."shopId" AND m."customerId" = d."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "Customer_delete_memberships" AFTER DELETE ON "Customer"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "segments_delete_customer_memberships"();
