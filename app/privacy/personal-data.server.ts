import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync } from "node:crypto";
import { env } from "~/env.server";
import type { DataKeySecret } from "~/data-keys";
import type { SqlEnv } from "~/segmentation/rule-fields";
import type { LookupAttribute } from "~/segmentation/rule-types";

// Customers' personal fields (email, names, address parts) are stored encrypted with AES-256-GCM
// under an application key from the environment (SEGMENTS_DATA_KEYS), each value naming the key it
// was sealed with, so keys rotate without a flag day: the first key seals, every listed key opens,
// and `npm run reencrypt` moves old values to the first key. Rules on address parts ("city is
// Toronto") compare keyed hashes (blind indexes), never the plaintext, in SQL and in compute alike.

/** The personal columns of `Customer` that are stored sealed. */
export const SEALED_COLUMNS = ["email", "firstName", "lastName", "countryCode", "provinceCode", "city"] as const;
export type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** Which customer a value belongs to: bound into the seal, so a value copied to another row or column fails to open. */
export interface ValueOwner {
  shopId: number;
  shopifyId: bigint;
}

const VERSION = "e1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE = /^e1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+$/;

export class DataKeyError extends Error {
  override name = "DataKeyError";
}

interface DerivedKey {
  id: string;
  seal: Buffer;
  lookup: Buffer;
}

// Separate keys for sealing and for blind indexes, both derived from the one secret.
const derive = (key: DataKeySecret): DerivedKey => ({
  id: key.id,
  seal: Buffer.from(hkdfSync("sha256", key.secret, Buffer.alloc(0), "segments/personal-data/seal/v1", 32)),
  lookup: Buffer.from(hkdfSync("sha256", key.secret, Buffer.alloc(0), "segments/personal-data/lookup/v1", 32)),
});

// IVs come from the CSPRNG in blocks: one randomBytes call per value cost more than the AES itself
// (a back-fill seals about five values per customer). Each IV is used once; the block is refilled
// only after every IV in it was handed out (the cipher copies the IV it is given).
const IV_BLOCK = Buffer.alloc(IV_BYTES * 4096);
let ivOffset = IV_BLOCK.length;
function freshIv(): Buffer {
  if (ivOffset === IV_BLOCK.length) {
    randomFillSync(IV_BLOCK);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return IV_BLOCK.subarray(ivOffset - IV_BYTES, ivOffset);
}

const aad = (owner: ValueOwner, column: SealedColumn) => Buffer.from(`${owner.shopId}/${owner.shopifyId}/${column}`);

/** Seals and opens personal values, and computes their keyed hashes, with one key ring. */
export class PersonalDataCipher {
  private readonly keys: DerivedKey[];
  private readonly byId: Map<string, DerivedKey>;

  constructor(keys: DataKeySecret[]) {
    if (keys.length === 0) throw new DataKeyError("SEGMENTS_DATA_KEYS lists no key");
    this.keys = keys.map(derive);
    this.byId = new Map(this.keys.map((k) => [k.id, k]));
  }

  /** The id of the key that seals new values. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  /** `e1.<key id>.<base64url of iv, ciphertext and tag>`; null and "" stay as they are. */
  seal(value: string | null, owner: ValueOwner, column: SealedColumn): string | null {
    if (value === null || value === "") return value;
    const key = this.keys[0];
    const iv = freshIv();
    const cipher = createCipheriv("aes-256-gcm", key.seal, iv);
    cipher.setAAD(aad(owner, column));
    // Concatenated (copied) before any later seal can refill the block.
    const body = Buffer.concat([iv, cipher.update(value, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${key.id}.${body.toString("base64url")}`;
  }

  /**
   * The plaintext of a sealed value. A value without the envelope is one stored before encryption
   * (it stays readable until `npm run reencrypt` seals it); a tampered value or an unknown key throws.
   */
  open(stored: string | null, owner: ValueOwner, column: SealedColumn): string | null {
    if (stored === null || !isSealed(stored)) return stored;
    const [, keyId, encoded] = stored.split(".");
    const key = this.byId.get(keyId);
    if (!key) {
      throw new DataKeyError(
        `a customer's ${column} is sealed with key "${keyId}", which SEGMENTS_DATA_KEYS does not list; add it back`,
      );
    }
    const body = Buffer.from(encoded, "base64url");
    if (body.length < IV_BYTES + TAG_BYTES)
      throw new DataKeyError(`a customer's ${column} is not a valid sealed value`);
    const decipher = createDecipheriv("aes-256-gcm", key.seal, body.subarray(0, IV_BYTES));
    decipher.setAAD(aad(owner, column));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new DataKeyError(`a customer's ${column} failed its integrity check (altered, or moved from another row)`);
    }
  }

  /** The keyed hash new rows store for an address part (compared case-insensitively); null for none. */
  lookup(shopId: number, attribute: LookupAttribute, value: string | null): string | null {
    const normal = normalise(value);
    return normal === null ? null : hashWith(this.keys[0], shopId, attribute, normal);
  }

  /** The hashes a stored row may carry for this value, one per listed key (rotation in progress). */
  lookups(shopId: number, attribute: LookupAttribute, value: string): string[] {
    const normal = normalise(value);
    return normal === null ? [] : this.keys.map((key) => hashWith(key, shopId, attribute, normal));
  }
}

const normalise = (value: string | null) => {
  const trimmed = value?.trim().toLowerCase();
  return trimmed ? trimmed : null;
};

function hashWith(key: DerivedKey, shopId: number, attribute: LookupAttribute, normal: string): string {
  const digest = createHmac("sha256", key.lookup).update(`${shopId}/${attribute}/${normal}`).digest();
  return `${key.id}.${digest.subarray(0, 16).toString("base64url")}`;
}

/** Whether a stored value carries the envelope (else it was stored before encryption). */
export const isSealed = (stored: string) => ENVELOPE.test(stored);

/** The key id a stored value was sealed with; null for a value stored before encryption. */
export function sealedKeyId(stored: string): string | null {
  return isSealed(stored) ? stored.split(".")[1] : null;
}

let cached: PersonalDataCipher | undefined;

/** This process's cipher, from SEGMENTS_DATA_KEYS. */
export function personalData(): PersonalDataCipher {
  cached ??= new PersonalDataCipher(env().dataKeys);
  return cached;
}

type PersonalFields = { [C in SealedColumn]?: string | null };

/** A customer row as read from the database, with whichever sealed columns it has opened. */
export function openCustomerRow<T extends PersonalFields & { shopifyId: bigint }>(shopId: number, row: T): T {
  const cipher = personalData();
  const owner = { shopId, shopifyId: row.shopifyId };
  const opened: T = { ...row };
  for (const column of SEALED_COLUMNS) {
    const stored = row[column];
    if (stored !== undefined) opened[column] = cipher.open(stored, owner, column) as T[typeof column];
  }
  return opened;
}

/** What compiling a shop's rules to SQL needs: the as-of instant and the shop's keyed hashes. */
export function ruleSqlEnv(shopId: number, now: Date): SqlEnv {
  return { now, lookups: (attribute, value) => personalData().lookups(shopId, attribute, value) };
}
