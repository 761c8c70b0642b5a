import { TAGS_ADD, TAGS_REMOVE } from "~/shopify/documents";
import { runBulkMutation } from "~/push/bulk-mutation.server";
import { forEachConcurrently, type PushContext } from "~/push/context.server";
import { diffTags, recordPushedTags, type TagChange } from "~/push/tag-diff.server";

// Sends the tag difference. Removals go first (a prefix renamed only in case is the same tag to
// Shopify, and freeing room first keeps customers under 250 tags), then additions. Small
// deltas are one tagsRemove/tagsAdd call per customer; large ones one bulk mutation per verb
// (a shop runs one bulk mutation at a time). PushedTag is written as results come in, so an
// interrupted push resumes where it stopped and never forgets a tag it placed.

type Verb = "remove" | "add";

export async function pushTags(ctx: PushContext): Promise<void> {
  const { changes, skipped } = await diffTags(ctx.db, ctx.shopId, ctx.settings, ctx.predictionsWithheld);
  ctx.counts.tagsSkipped += skipped;
  const total = changes.reduce((n, c) => n + (c.remove.length ? 1 : 0) + (c.add.length ? 1 : 0), 0);
  if (!total) return;
  const recorder = new TagRecorder(ctx, total);
  const bulk = changes.length >= ctx.tuning.bulkThreshold;
  try {
    for (const verb of ["remove", "add"] as const) {
      const targets = changes.filter((c) => c[verb].length > 0);
      if (bulk) await bulkTags(ctx, verb, targets, recorder);
      else await callTags(ctx, verb, targets, recorder);
      await recorder.save();
    }
  } finally {
    await recorder.save();
  }
}

async function callTags(ctx: PushContext, verb: Verb, targets: TagChange[], recorder: TagRecorder) {
  const document = verb === "add" ? TAGS_ADD : TAGS_REMOVE;
  const field = verb === "add" ? "tagsAdd" : "tagsRemove";
  await forEachConcurrently(targets, ctx.tuning.concurrency, async (change) => {
    const data = await ctx.admin.request<Record<string, { userErrors: { message: string }[] }>>(document, {
      id: customerGid(change.shopifyId),
      tags: change[verb],
    });
    await recorder.result(verb, change, data[field].userErrors[0]?.message ?? null);
  });
}

async function bulkTags(ctx: PushContext, verb: Verb, targets: TagChange[], recorder: TagRecorder) {
  if (!targets.length) return;
  const inputs = targets.map((c) => ({ id: customerGid(c.shopifyId), tags: c[verb] }));
  ctx.counts.bulkOperations += await runBulkMutation(ctx.admin, verb === "add" ? TAGS_ADD : TAGS_REMOVE, inputs, {
    pollMs: ctx.tuning.bulkPollMs,
    maxPollMs: ctx.tuning.bulkMaxPollMs,
    onResult: (index, error) => recorder.result(verb, targets[index], error),
  });
}

/** Buffers confirmed tag changes and writes them to PushedTag every few hundred customers. */
class TagRecorder {
  private removed = { customerIds: [] as bigint[], tags: [] as string[] };
  private added = { customerIds: [] as bigint[], tags: [] as string[] };
  private pending = 0;
  private done = 0;

  constructor(
    private readonly ctx: PushContext,
    private readonly total: number,
  ) {}

  async result(verb: Verb, change: TagChange, error: string | null) {
    this.done++;
    if (error) {
      this.ctx.fail(`tags ${verb} for customer ${change.shopifyId}`, error);
    } else {
      const into = verb === "add" ? this.added : this.removed;
      for (const tag of change[verb]) {
        into.customerIds.push(change.customerId);
        into.tags.push(tag);
      }
      if (verb === "add") this.ctx.counts.tagsAdded += change.add.length;
      else this.ctx.counts.tagsRemoved += change.remove.length;
      this.ctx.changedCustomers.add(change.customerId);
      this.pending++;
    }
    if (this.pending >= this.ctx.tuning.saveEvery) await this.save();
  }

  async save() {
    if (!this.removed.customerIds.length && !this.added.customerIds.length) return;
    const removed = this.removed;
    const added = this.added;
    this.removed = { customerIds: [], tags: [] };
    this.added = { customerIds: [], tags: [] };
    this.pending = 0;
    await recordPushedTags(this.ctx.db, this.ctx.shopId, removed, added);
    await this.ctx.progress({ phase: "tags", done: this.done, total: this.total });
  }
}

export function customerGid(shopifyId: bigint): string {
  return `gid://shopify/Customer/${shopifyId}`;
}
