import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { AdminClient } from "~/shopify/admin-client.server";
import { BULK_OPERATION, RUN_BULK_QUERY } from "~/shopify/documents";

// Bulk operations: start one, wait for it, stream its JSONL result line by line.

export interface BulkOperation {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string | number | null;
  rootObjectCount: string | number | null;
  url: string | null;
  partialDataUrl: string | null;
}

export class BulkOperationError extends Error {
  override name = "BulkOperationError";
}

interface RunBulkQueryResult {
  bulkOperationRunQuery: {
    bulkOperation: { id: string; status: string } | null;
    userErrors: { field: string[] | null; message: string; code: string | null }[];
  };
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a bulk query. When the shop is at its limit of concurrent bulk operations (another app
 * or an earlier run of ours), waits for a slot instead of fighting over it.
 */
export async function startBulkQuery(
  admin: AdminClient,
  query: string,
  { maxWaitMs = 30 * 60_000, sleep = sleepFor } = {},
): Promise<string> {
  const deadline = Date.now() + maxWaitMs;
  for (let wait = 1_000; ; wait = Math.min(wait * 2, 30_000)) {
    const result = await admin.request<RunBulkQueryResult>(RUN_BULK_QUERY, { query });
    const { bulkOperation, userErrors } = result.bulkOperationRunQuery;
    if (bulkOperation) return bulkOperation.id;
    const busy = userErrors.some((e) => e.code === "LIMIT_REACHED" || e.code === "OPERATION_IN_PROGRESS");
    if (!busy || Date.now() > deadline) {
      throw new BulkOperationError(`bulk query refused: ${userErrors.map((e) => e.message).join("; ")}`);
    }
    await sleep(wait);
  }
}

/**
 * A bulk query with Shopify's search syntax on its root connection: `{ orders { … } }` becomes
 * `{ orders(query: "updated_at:>='…'") { … } }`.
 */
export function filteredBulkQuery(query: string, search: string): string {
  const filtered = query.replace(
    /^(\s*\{\s*\w+)(\s*\{)/,
    (_, root: string, brace: string) => `${root}(query: ${JSON.stringify(search)})${brace}`,
  );
  if (filtered === query) throw new BulkOperationError("bulk query has no root connection without arguments to filter");
  return filtered;
}

/** Polls until the operation finishes; reports progress; throws unless it COMPLETED. */
export async function waitForBulkOperation(
  admin: AdminClient,
  id: string,
  {
    onProgress,
    pollMs = 1_000,
    maxPollMs = 10_000,
    sleep = sleepFor,
  }: {
    onProgress?: (objectCount: number) => Promise<void> | void;
    pollMs?: number;
    maxPollMs?: number;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<BulkOperation> {
  for (let wait = pollMs; ; wait = Math.min(Math.round(wait * 1.5), maxPollMs)) {
    const { bulkOperation } = await admin.request<{ bulkOperation: BulkOperation | null }>(BULK_OPERATION, { id });
    if (!bulkOperation) throw new BulkOperationError(`bulk operation ${id} not found`);
    await onProgress?.(Number(bulkOperation.objectCount ?? 0));
    switch (bulkOperation.status) {
      case "COMPLETED":
        return bulkOperation;
      case "FAILED":
      case "CANCELED":
      case "CANCELING":
      case "EXPIRED":
        throw new BulkOperationError(
          `bulk operation ${id} ended ${bulkOperation.status}${bulkOperation.errorCode ? ` (${bulkOperation.errorCode})` : ""}`,
        );
    }
    await sleep(wait);
  }
}

/** Streams a JSONL file: one parsed object per line, constant memory whatever the size. */
export async function* readJsonl(url: string, fetchFn: typeof fetch = fetch): AsyncGenerator<Record<string, unknown>> {
  const response = await fetchFn(url);
  if (!response.ok || !response.body)
    throw new BulkOperationError(`downloading ${url} failed: HTTP ${response.status}`);
  const lines = createInterface({ input: Readable.fromWeb(response.body as NodeReadableStream), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new BulkOperationError(`line ${lineNumber} of the bulk result is not JSON`);
    }
  }
}
