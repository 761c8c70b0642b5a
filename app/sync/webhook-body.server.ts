// Webhook bodies are read with a size limit: Shopify's payloads are well under a megabyte, and
// reading an arbitrary body whole (then parsing and re-serialising it) costs about ten times its
// size in memory. The limit is checked on Content-Length first and counted while streaming.

/** 5 MiB: several times the largest Shopify payload (orders with hundreds of line items, ~1 MB). */
const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/**
 * The request's body read into memory (what the HMAC check needs): null when the request has
 * none, "too large" when it is over `maxBytes` (then no more of it than the limit plus one
 * chunk has been read).
 */
export async function readLimitedBody(
  request: Request,
  maxBytes = MAX_WEBHOOK_BYTES,
): Promise<Buffer<ArrayBuffer> | null | "too large"> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return "too large";
  }
  if (!request.body) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return "too large";
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The request again, with a body already read by `readLimitedBody` (the original's stream is consumed). */
export function withBody(request: Request, body: Buffer<ArrayBuffer> | null): Request {
  if (body === null) return request;
  return new Request(request.url, { method: request.method, headers: request.headers, body });
}
