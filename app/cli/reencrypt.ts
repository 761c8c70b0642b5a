// `npm run reencrypt [-- --shop <domain>]`: seal every customer's personal fields with the first
// key of SEGMENTS_DATA_KEYS (after adding a new key in front, or once after upgrading to sealed
// storage), then say which keys still seal anything, so a retired key can be removed safely.
import { createDb } from "~/db.server";
import { EnvError } from "~/env.server";
import { reencryptCustomers, sealedKeyUsage } from "~/privacy/reencrypt.server";

const USAGE = "usage: npm run reencrypt [-- --shop <shop>.myshopify.com]";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const shopFlag = args.indexOf("--shop");
const unknown = args.filter((a, i) => a !== "--shop" && i !== shopFlag + 1);
if (unknown.length > 0 || (shopFlag >= 0 && !args[shopFlag + 1])) {
  console.error(`${unknown.length ? `unknown argument ${unknown[0]}\n` : ""}${USAGE}`);
  process.exit(2);
}

try {
  const db = createDb();
  const domain = shopFlag >= 0 ? args[shopFlag + 1] : undefined;
  const shop = domain ? await db.shop.findUnique({ where: { domain }, select: { id: true } }) : null;
  if (domain && !shop) throw new Error(`no installed shop ${domain}`);
  const report = await reencryptCustomers(db, { shopId: shop?.id });
  console.log(
    `sealed ${report.resealed} customer(s) with key ${report.keyId}` +
      (report.skipped ? `; ${report.skipped} changed meanwhile and were sealed by that write` : ""),
  );
  const describe = (usage: Record<string, number>) =>
    Object.entries(usage)
      .map(([key, n]) => `${key} ${n}`)
      .join(", ") || "none";
  if (shop) console.log(`values per key in ${domain}: ${describe(await sealedKeyUsage(db, { shopId: shop.id }))}`);
  // Retiring a key is a decision about the whole database: any shop's values may still need it.
  const usage = await sealedKeyUsage(db);
  console.log(`values per key in all shops: ${describe(usage)}`);
  const stillNeeded = Object.keys(usage).filter((key) => key !== report.keyId && key !== "plaintext");
  if (stillNeeded.length === 0)
    console.log(`no value needs a key other than ${report.keyId}; other keys may be removed`);
  else console.log(`keys still needed: ${stillNeeded.join(", ")} (a run without --shop reseals every shop)`);
  if (usage.plaintext) console.log(`${usage.plaintext} value(s) stored before encryption are not sealed yet`);
  await db.$disconnect();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : `reencrypt failed: ${(error as Error).message}`);
  process.exit(1);
}
