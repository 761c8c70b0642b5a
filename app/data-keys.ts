// The application keys in SEGMENTS_DATA_KEYS, as the environment check reads them.

/** One application key: its id (stored with every value it seals) and 32 secret bytes. */
export interface DataKeySecret {
  id: string;
  secret: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `id:base64,id:base64,…` (32-byte keys, e.g. from `openssl rand -base64 32`); the first
 * seals. Returns the problems instead of throwing, for the environment check to list.
 */
export function parseDataKeys(value: string): { keys: DataKeySecret[]; problems: string[] } {
  const keys: DataKeySecret[] = [];
  const problems: string[] = [];
  for (const entry of value.split(",").map((e) => e.trim())) {
    if (!entry) continue;
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    if (!KEY_ID.test(id)) {
      problems.push(`each key must read id:base64, the id of letters, digits, - or _ (got an entry "${id || "…"}:…")`);
      continue;
    }
    const secret = Buffer.from(entry.slice(colon + 1), "base64");
    if (secret.length !== 32) {
      problems.push(`key "${id}" must be 32 bytes in base64, e.g. from openssl rand -base64 32 (got ${secret.length})`);
      continue;
    }
    if (keys.some((k) => k.id === id)) problems.push(`key id "${id}" is listed twice`);
    else keys.push({ id, secret });
  }
  if (keys.length === 0 && problems.length === 0) problems.push("it lists no key");
  return { keys, problems };
}
