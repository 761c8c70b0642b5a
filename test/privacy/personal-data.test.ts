import { describe, expect, it } from "vitest";
import { readEnv } from "~/env.server";
import { parseDataKeys } from "~/data-keys";
import { isSealed, PersonalDataCipher, sealedKeyId } from "~/privacy/personal-data.server";
import { MINIMAL_ENV } from "../helpers/minimal-env";

// The cipher of customers' personal fields, on its own: AES-256-GCM with the key id in every
// value, the owner bound in, keyed hashes for the location rules, and a key ring for rotation.

const key = (id: string, fill: number) => ({ id, secret: Buffer.alloc(32, fill) });
const oldKey = key("k1", 1);
const newKey = key("k2", 2);
const owner = { shopId: 7, shopifyId: 1001n };

describe("sealing personal fields", () => {
  const cipher = new PersonalDataCipher([oldKey]);

  it("round-trips, names its key, and never shows the plaintext", () => {
    for (const value of ["ada@example.com", "Zoë", "Montréal", "東京", "x".repeat(500)]) {
      const sealed = cipher.seal(value, owner, "email")!;
      expect(sealed).toMatch(/^e1\.k1\.[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(value);
      expect(sealedKeyId(sealed)).toBe("k1");
      expect(cipher.open(sealed, owner, "email")).toBe(value);
    }
    expect(cipher.seal(null, owner, "email")).toBeNull();
    expect(cipher.open(null, owner, "email")).toBeNull();
  });

  it("uses a fresh IV per value: the same plaintext seals differently each time", () => {
    const values = new Set(Array.from({ length: 50 }, () => cipher.seal("same@example.com", owner, "email")));
    expect(values.size).toBe(50);
  });

  it("never repeats an IV across the blocks it draws them from, and every value still opens", () => {
    // IVs are drawn from the CSPRNG 4,096 at a time: 10,000 seals cross two refills.
    const sealed = Array.from({ length: 10_000 }, (_, i) => cipher.seal(`customer${i}@example.com`, owner, "email")!);
    const ivs = new Set(sealed.map((v) => Buffer.from(v.split(".")[2], "base64url").subarray(0, 12).toString("hex")));
    expect(ivs.size).toBe(10_000);
    sealed.forEach((v, i) => expect(cipher.open(v, owner, "email")).toBe(`customer${i}@example.com`));
  });

  it("binds the owner: a value moved to another customer, column or shop does not open", () => {
    const sealed = cipher.seal("ada@example.com", owner, "email");
    expect(() => cipher.open(sealed, { ...owner, shopifyId: 1002n }, "email")).toThrow(/integrity/);
    expect(() => cipher.open(sealed, { ...owner, shopId: 8 }, "email")).toThrow(/integrity/);
    expect(() => cipher.open(sealed, owner, "firstName")).toThrow(/integrity/);
  });

  it("detects tampering and names a key it does not have", () => {
    const sealed = cipher.seal("ada@example.com", owner, "email")!;
    const body = Buffer.from(sealed.split(".")[2], "base64url");
    body[14] ^= 1;
    expect(() => cipher.open(`e1.k1.${body.toString("base64url")}`, owner, "email")).toThrow(/integrity/);
    const other = new PersonalDataCipher([newKey]);
    expect(() => other.open(sealed, owner, "email")).toThrow(/key "k1", which SEGMENTS_DATA_KEYS does not list/);
  });

  it("reads a value stored before encryption as it is", () => {
    expect(cipher.open("ada@example.com", owner, "email")).toBe("ada@example.com");
    expect(cipher.open("e1.not sealed", owner, "email")).toBe("e1.not sealed");
    expect(isSealed("ada@example.com")).toBe(false);
  });
});

describe("keyed hashes for location rules", () => {
  const cipher = new PersonalDataCipher([oldKey]);

  it("ignore case and surrounding space, differ by shop and field, and hide the value", () => {
    const toronto = cipher.lookup(7, "city", "Toronto");
    expect(toronto).toMatch(/^k1\.[A-Za-z0-9_-]{22}$/);
    expect(cipher.lookup(7, "city", "  TORONTO ")).toBe(toronto);
    expect(cipher.lookup(8, "city", "Toronto")).not.toBe(toronto);
    expect(cipher.lookup(7, "province", "Toronto")).not.toBe(toronto);
    expect(cipher.lookup(7, "city", "Ottawa")).not.toBe(toronto);
    expect(toronto!.toLowerCase()).not.toContain("toronto");
    expect(cipher.lookup(7, "city", null)).toBeNull();
    expect(cipher.lookup(7, "city", "  ")).toBeNull();
  });

  it("give one hash per listed key while a rotation is under way", () => {
    const rotating = new PersonalDataCipher([newKey, oldKey]);
    const hashes = rotating.lookups(7, "city", "Toronto");
    expect(hashes).toEqual([
      new PersonalDataCipher([newKey]).lookup(7, "city", "Toronto"),
      cipher.lookup(7, "city", "Toronto"),
    ]);
    expect(rotating.lookup(7, "city", "Toronto")).toBe(hashes[0]);
  });
});

describe("key rotation", () => {
  it("seals with the first key and opens with every listed one", () => {
    const before = new PersonalDataCipher([oldKey]).seal("ada@example.com", owner, "email");
    const rotating = new PersonalDataCipher([newKey, oldKey]);
    expect(rotating.open(before, owner, "email")).toBe("ada@example.com");
    expect(sealedKeyId(rotating.seal("ada@example.com", owner, "email")!)).toBe("k2");
    expect(rotating.currentKeyId).toBe("k2");
  });
});

describe("SEGMENTS_DATA_KEYS", () => {
  const { SEGMENTS_DATA_KEYS: _suiteKeys, ...base } = MINIMAL_ENV;
  const b64 = (fill: number, bytes = 32) => Buffer.alloc(bytes, fill).toString("base64");

  it("parses id:base64 pairs, newest first", () => {
    const { keys, problems } = parseDataKeys(` k2:${b64(2)} , k1:${b64(1)}`);
    expect(problems).toEqual([]);
    expect(keys.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(keys[0].secret.equals(Buffer.alloc(32, 2))).toBe(true);
  });

  it("refuses start-up without keys, and names what is wrong with malformed ones", () => {
    expect(() => readEnv(base)).toThrow(/SEGMENTS_DATA_KEYS is missing/);
    expect(() => readEnv({ ...base, SEGMENTS_DATA_KEYS: `k1:${b64(1, 16)}` })).toThrow(/key "k1" must be 32 bytes/);
    expect(() => readEnv({ ...base, SEGMENTS_DATA_KEYS: b64(1) })).toThrow(/each key must read id:base64/);
    expect(() => readEnv({ ...base, SEGMENTS_DATA_KEYS: `k1:${b64(1)},k1:${b64(2)}` })).toThrow(/listed twice/);
    expect(readEnv({ ...base, SEGMENTS_DATA_KEYS: `k1:${b64(1)}` }).dataKeys.map((k) => k.id)).toEqual(["k1"]);
  });
});
