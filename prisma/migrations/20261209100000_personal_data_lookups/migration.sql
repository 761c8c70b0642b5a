-- Personal fields are now sealed by the app (AES-256-GCM); rules on address parts compare keyed
-- hashes. Rows stored before this migration stay readable and are sealed by `npm run reencrypt`.
ALTER TABLE "Customer" ADD COLUMN "countryLookup" TEXT,
  ADD COLUMN "provinceLookup" TEXT,
  ADD COLUMN "cityLookup" TEXT;
