import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The layer rules in eslint.config.js, run through ESLint's own API on small snippets placed
// inside each layer: every forbidden import is reported, and the allowed ones are not.

const root = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });
const LAYER_RULES = new Set(["no-restricted-imports", "@typescript-eslint/no-restricted-imports"]);

/** The layer-rule messages ESLint reports for `code` as if it were the file at `file`. */
async function layerViolations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

const useOf = (specifier: string, name = "x") =>
  `import { ${name} } from "${specifier}";\nexport const used = ${name};\n`;

describe("app/segmentation/ imports nothing but pure code", () => {
  const file = "app/segmentation/layer-probe.ts";
  it.each([
    "~/db.server",
    "../db.server",
    "~/generated/prisma/client",
    "../generated/prisma/enums",
    "@prisma/client",
    "~/sync/inbox.server",
    "~/shopify.server",
    "~/shopify/documents",
    "../shopify/api-version",
    "@shopify/shopify-app-remix/server",
    "bullmq",
    "@remix-run/node",
    "pg",
    "ioredis",
  ])("reports %s", async (specifier) => {
    const messages = await layerViolations(file, useOf(specifier));
    // ~/shopify.server breaks two of the rules (server-only and Shopify): both say so.
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(message).toMatch(/app\/segmentation\/ is the pure engine/);
  });

  it("reports a type-only import of the Prisma client too", async () => {
    const messages = await layerViolations(
      file,
      'import type { Prisma } from "~/generated/prisma/client";\nexport type P = Prisma.Sql;\n',
    );
    expect(messages).toHaveLength(1);
  });

  it("allows its own modules, ~/settings and ml-kmeans", async () => {
    const code =
      useOf("./types", "a") +
      useOf("~/segmentation/rules", "b").replace("used", "used2") +
      useOf("ml-kmeans", "c").replace("used", "used3");
    expect(await layerViolations(file, code)).toEqual([]);
    expect(await layerViolations(file, useOf("~/settings"))).toEqual([]);
  });
});

describe("sync, push, compute and admin never import app/jobs/", () => {
  it.each([
    ["app/sync/layer-probe.server.ts", "~/jobs/compute.server"],
    ["app/push/layer-probe.server.ts", "~/jobs/runs.server"],
    ["app/compute/layer-probe.server.ts", "../jobs/processors.server"],
    ["app/admin/layer-probe.server.ts", "~/jobs"],
  ])("reports %s importing %s", async (file, specifier) => {
    const messages = await layerViolations(file, useOf(specifier));
    expect(messages).toEqual([
      `'${specifier}' import is restricted from being used by a pattern. app/jobs/ only runs jobs (the worker starts it); queue work through ~/enqueue.server instead.`,
    ]);
  });

  it("allows queueing through ~/enqueue.server", async () => {
    expect(
      await layerViolations("app/sync/layer-probe.server.ts", useOf("~/enqueue.server", "enqueueCompute")),
    ).toEqual([]);
  });

  it("leaves app/jobs/ itself free to import them", async () => {
    expect(await layerViolations("app/jobs/layer-probe.server.ts", useOf("~/jobs/runs.server"))).toEqual([]);
  });
});

describe("components import the admin reads as types only", () => {
  const file = "app/components/LayerProbe.tsx";
  it.each(["~/admin/segments.server", "../admin/overview.server"])(
    "reports a value import of %s",
    async (specifier) => {
      const messages = await layerViolations(file, useOf(specifier, "listSegments"));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/import their types only/);
    },
  );

  it("allows import type, inline or whole", async () => {
    const whole = 'import type { SegmentRow } from "~/admin/segments.server";\nexport type Row = SegmentRow;\n';
    const inline = 'import { type RunStatusView } from "~/admin/overview.server";\nexport type View = RunStatusView;\n';
    expect(await layerViolations(file, whole)).toEqual([]);
    expect(await layerViolations(file, inline)).toEqual([]);
  });
});
