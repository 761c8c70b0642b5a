import type { Db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { personalData, SEALED_COLUMNS, type SealedColumn } from "~/privacy/personal-data.server";
import type { LookupAttribute } from "~/segmentation/rule-types";

// Key rotation and the first sealing of rows stored before encryption: every customer whose
// personal fields are not all sealed with the current key (or whose address hashes are not the
// current key's) is opened with whichever listed key sealed it and sealed again with the current
// one. Batches go by (shop, id); a row the app rewrote meanwhile is left to that write, which
// already used the current key.

const BATCH = 1_000;

const ADDRESS: Record<LookupAttribute, { value: SealedColumn; lookup: string }> = {
  country: { value: "countryCode", lookup: "countryLookup" },
  province: { value: "provinceCode", lookup: "provinceLookup" },
  city: { value: "city", lookup: "cityLookup" },
};

type StoredRow = { [C in SealedColumn]: string | null } & {
  shopId: number;
  id: bigint;
  shopifyId: bigint;
  updatedAt: Date;
};

export interface ReencryptReport {
  /** The key every value is sealed with now. */
  keyId: string;
  /** Customers whose values were sealed again. */
  resealed: number;
  /** Customers the app rewrote while this ran (their new values are already under the current key). */
  skipped: number;
}

/** Reseals every customer (of one shop, or all) not wholly under the current key. */
export async function reencryptCustomers(db: Db, options: { shopId?: number } = {}): Promise<ReencryptReport> {
  const cipher = personalData();
  const keyId = cipher.currentKeyId;
  const sealedPrefix = `e1.${keyId}.`;
  const lookupPrefix = `${keyId}.`;
  const stale = Prisma.join(
    [
      ...SEALED_COLUMNS.map(
        (c) =>
          Prisma.sql`(${Prisma.raw(`"${c}"`)} IS NOT NULL AND left(${Prisma.raw(`"${c}"`)}, ${sealedPrefix.length}) <> ${sealedPrefix})`,
      ),
      ...Object.values(ADDRESS).map(
        ({ value, lookup }) =>
          Prisma.sql`(${Prisma.raw(`"${value}"`)} IS NOT NULL AND (${Prisma.raw(`"${lookup}"`)} IS NULL OR left(${Prisma.raw(`"${lookup}"`)}, ${lookupPrefix.length}) <> ${lookupPrefix}))`,
      ),
    ],
    " OR ",
  );
  const onlyShop = options.shopId === undefined ? Prisma.empty : Prisma.sql`AND "shopId" = ${options.shopId}`;
  const report: ReencryptReport = { keyId, resealed: 0, skipped: 0 };
  let after = { shopId: -1, id: -1n };
  for (;;) {
    const rows = await db.$queryRaw<StoredRow[]>`
      SELECT "shopId", "id", "shopifyId", "updatedAt", ${Prisma.raw(SEALED_COLUMNS.map((c) => `"${c}"`).join(", "))}
      FROM "Customer"
      WHERE ("shopId", "id") > (${after.shopId}, ${after.id}) ${onlyShop} AND (${stale})
      ORDER BY "shopId", "id"
      LIMIT ${BATCH}`;
    if (rows.length === 0) return report;
    const resealed = rows.map((row) => reseal(row));
    const columns = (pick: (r: (typeof resealed)[number]) => string | null) => resealed.map(pick);
    const updated = await db.$executeRaw`
      UPDATE "Customer" c SET "email" = v.email, "firstName" = v.first, "lastName" = v.last,
        "countryCode" = v.country, "provinceCode" = v.province, "city" = v.city,
        "countryLookup" = v.country_lookup, "provinceLookup" = v.province_lookup, "cityLookup" = v.city_lookup
      FROM unnest(
        ${rows.map((r) => r.shopId)}::int[],
        ${rows.map((r) => r.id.toString())}::bigint[],
        ${rows.map((r) => r.updatedAt.toISOString())}::timestamp(3)[],
        ${columns((r) => r.email)}::text[],
        ${columns((r) => r.firstName)}::text[],
        ${columns((r) => r.lastName)}::text[],
        ${columns((r) => r.countryCode)}::text[],
        ${columns((r) => r.provinceCode)}::text[],
        ${columns((r) => r.city)}::text[],
        ${columns((r) => r.countryLookup)}::text[],
        ${columns((r) => r.provinceLookup)}::text[],
        ${columns((r) => r.cityLookup)}::text[]
      ) AS v(shop, id, seen, email, first, last, country, province, city, country_lookup, province_lookup, city_lookup)
      WHERE c."shopId" = v.shop AND c."id" = v.id AND c."updatedAt" = v.seen`;
    report.resealed += updated;
    report.skipped += rows.length - updated;
    const last = rows[rows.length - 1];
    after = { shopId: last.shopId, id: last.id };
  }
}

function reseal(row: StoredRow) {
  const cipher = personalData();
  const owner = { shopId: row.shopId, shopifyId: row.shopifyId };
  const plain = Object.fromEntries(SEALED_COLUMNS.map((c) => [c, cipher.open(row[c], owner, c)])) as Record<
    SealedColumn,
    string | null
  >;
  const sealed = Object.fromEntries(SEALED_COLUMNS.map((c) => [c, cipher.seal(plain[c], owner, c)])) as Record<
    SealedColumn,
    string | null
  >;
  return {
    ...sealed,
    countryLookup: cipher.lookup(row.shopId, "country", plain.countryCode),
    provinceLookup: cipher.lookup(row.shopId, "province", plain.provinceCode),
    cityLookup: cipher.lookup(row.shopId, "city", plain.city),
  };
}

/**
 * How many stored values each key id seals ("plaintext" for values stored before encryption), in
 * one shop or in all of them (a key may be retired only when no shop's values need it).
 */
export async function sealedKeyUsage(db: Db, options: { shopId?: number } = {}): Promise<Record<string, number>> {
  const onlyShop = options.shopId === undefined ? Prisma.empty : Prisma.sql`AND "shopId" = ${options.shopId}`;
  const rows = await db.$queryRaw<{ key: string; values: bigint }[]>`
    SELECT CASE WHEN v ~ '^e1\\.[A-Za-z0-9_-]{1,32}\\.' THEN split_part(v, '.', 2) ELSE 'plaintext' END AS "key",
      count(*) AS "values"
    FROM "Customer", unnest(ARRAY[${Prisma.raw(SEALED_COLUMNS.map((c) => `"${c}"`).join(", "))}]) AS v
    WHERE v IS NOT NULL ${onlyShop}
    GROUP BY 1 ORDER BY 1`;
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.values)]));
}
