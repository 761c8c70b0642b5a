import type { AdminClient } from "~/shopify/admin-client.server";
import { BulkOperationError, readJsonl, waitForBulkOperation } from "~/shopify/bulk.server";
import { RUN_BULK_MUTATION, STAGED_UPLOADS_CREATE } from "~/shopify/documents";

// One mutation over many inputs as a Shopify bulk operation: the variables go up as a JSONL file
// (one object per line) through a staged upload, Shopify runs the mutation once per line, and
// the result file says, line by line, what happened. A shop runs one bulk mutation at a time.

/** Shopify takes files up to 100 MB; larger inputs are split into several operations. */
const MAX_FILE_BYTES = 90 * 1024 * 1024;

export interface BulkMutationOptions {
  /** Called for every input line once its result is known: `error` is null when it succeeded. */
  onResult: (index: number, error: string | null) => Promise<void> | void;
  onProgress?: (linesDone: number) => Promise<void> | void;
  pollMs?: number;
  maxPollMs?: number;
  /** How long to wait for another bulk mutation of the shop to finish before giving up. */
  maxBusyWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetchFn?: typeof fetch;
}

interface StagedTarget {
  url: string;
  resourceUrl: string | null;
  parameters: { name: string; value: string }[];
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `mutation` once per element of `inputs`; returns the number of bulk operations used. */
export async function runBulkMutation(
  admin: AdminClient,
  mutation: string,
  inputs: readonly Record<string, unknown>[],
  options: BulkMutationOptions,
): Promise<number> {
  let operations = 0;
  for (const chunk of chunksBySize(inputs)) {
    const path = await upload(admin, chunk.body, options.fetchFn ?? fetch);
    const id = await startBulkMutation(admin, mutation, path, options);
    operations++;
    const done = await waitForBulkOperation(admin, id, {
      pollMs: options.pollMs,
      maxPollMs: options.maxPollMs,
      sleep: options.sleep,
      onProgress: options.onProgress,
    });
    const seen = new Set<number>();
    if (done.url) {
      for await (const line of readJsonl(done.url, options.fetchFn)) {
        const lineNumber = Number(line.__lineNumber);
        if (!Number.isInteger(lineNumber) || lineNumber < 0 || lineNumber >= chunk.count) continue;
        seen.add(lineNumber);
        await options.onResult(chunk.first + lineNumber, lineError(line));
      }
    }
    // A line Shopify did not report on did not take effect as far as we can tell.
    for (let line = 0; line < chunk.count; line++) {
      if (!seen.has(line)) await options.onResult(chunk.first + line, "no result for this line");
    }
  }
  return operations;
}

function* chunksBySize(inputs: readonly Record<string, unknown>[]) {
  let lines: string[] = [];
  let bytes = 0;
  let first = 0;
  for (let i = 0; i < inputs.length; i++) {
    const line = JSON.stringify(inputs[i]) + "\n";
    const size = Buffer.byteLength(line);
    if (bytes + size > MAX_FILE_BYTES && lines.length) {
      yield { first, count: lines.length, body: lines.join("") };
      first = i;
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length) yield { first, count: lines.length, body: lines.join("") };
}

async function upload(admin: AdminClient, body: string, fetchFn: typeof fetch): Promise<string> {
  const { stagedUploadsCreate } = await admin.request<{
    stagedUploadsCreate: { stagedTargets: StagedTarget[] | null; userErrors: { message: string }[] };
  }>(STAGED_UPLOADS_CREATE, {
    input: [
      { resource: "BULK_MUTATION_VARIABLES", filename: "push.jsonl", mimeType: "text/jsonl", httpMethod: "POST" },
    ],
  });
  const target = stagedUploadsCreate.stagedTargets?.[0];
  if (!target)
    throw new BulkOperationError(
      `staged upload refused: ${stagedUploadsCreate.userErrors.map((e) => e.message).join("; ")}`,
    );
  const form = new FormData();
  for (const { name, value } of target.parameters) form.append(name, value);
  form.append("file", new Blob([body], { type: "text/jsonl" }), "push.jsonl");
  // A kept-alive connection the storage server just closed fails at once: try again on a fresh one.
  let response: Response | undefined;
  for (let attempt = 1; !response; attempt++) {
    try {
      response = await fetchFn(target.url, { method: "POST", body: form });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  if (!response.ok) throw new BulkOperationError(`staged upload failed: HTTP ${response.status}`);
  const key = target.parameters.find((p) => p.name === "key")?.value;
  if (!key) throw new BulkOperationError("staged upload target has no key");
  return key;
}

async function startBulkMutation(
  admin: AdminClient,
  mutation: string,
  stagedUploadPath: string,
  options: BulkMutationOptions,
) {
  const sleep = options.sleep ?? sleepFor;
  const deadline = Date.now() + (options.maxBusyWaitMs ?? 30 * 60_000);
  for (let wait = 1_000; ; wait = Math.min(wait * 2, 30_000)) {
    const { bulkOperationRunMutation: result } = await admin.request<{
      bulkOperationRunMutation: {
        bulkOperation: { id: string } | null;
        userErrors: { message: string; code: string | null }[];
      };
    }>(RUN_BULK_MUTATION, { mutation, stagedUploadPath });
    if (result.bulkOperation) return result.bulkOperation.id;
    // Another bulk mutation of this shop (an earlier, interrupted push) is still running.
    const busy = result.userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS");
    if (!busy || Date.now() > deadline) {
      throw new BulkOperationError(`bulk mutation refused: ${result.userErrors.map((e) => e.message).join("; ")}`);
    }
    await sleep(wait);
  }
}

/** The first GraphQL error or user error of one result line, or null when the line succeeded. */
function lineError(line: Record<string, unknown>): string | null {
  const errors = line.errors as { message?: string }[] | undefined;
  if (errors?.length) return errors[0].message ?? "error";
  const data = line.data as Record<string, { userErrors?: { message: string }[] } | null> | undefined;
  if (!data) return "no data";
  for (const payload of Object.values(data)) {
    const userError = payload?.userErrors?.[0];
    if (userError) return userError.message;
  }
  return null;
}
