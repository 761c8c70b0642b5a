// The extension as Shopify receives it on `shopify app deploy`: lint-clean for theme-check, within
// the enforced theme app extension limits, with schemas and translations that line up.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { check } from "@shopify/theme-check-node";
import { describe, expect, it } from "vitest";
import { EXTENSION_ROOT, blockNames, readBlockSchema, readLocale } from "./liquid-harness";

// Shopify's limits for theme app extensions ("File and content size limits" in the theme app
// extension configuration docs). Enforced ones fail deployment; suggested ones we hold to anyway.
const LIMITS = {
  totalBytes: 10 * 1024 * 1024, // enforced: all files
  liquidBytes: 100 * 1024, // enforced: Liquid across all files
  blocks: 30, // enforced
  localeFiles: 100, // enforced
  localeFileBytes: 15 * 1024, // enforced: each locale file
  cssCompressedBytes: 100 * 1024, // suggested: CSS referenced by a schema
  jsCompressedBytes: 10 * 1024, // suggested: JS referenced by a schema
  settingsPerBlock: 25, // what the deploy validation accepts per block
  blockNameChars: 25, // longer names are cut off in the theme editor sidebar
};

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const fullPath = path.join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(fullPath) : [fullPath];
  });
}

function keysOf(tree: unknown, prefix = ""): string[] {
  if (!tree || typeof tree !== "object") return [prefix];
  return Object.entries(tree as Record<string, unknown>).flatMap(([key, value]) =>
    keysOf(value, prefix ? `${prefix}.${key}` : key),
  );
}

function lookup(tree: unknown, dottedKey: string): unknown {
  return dottedKey
    .split(".")
    .reduce<unknown>(
      (node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined),
      tree,
    );
}

const files = filesUnder(EXTENSION_ROOT);
const localeFiles = readdirSync(path.join(EXTENSION_ROOT, "locales"));

describe("theme app extension package", () => {
  it("passes Shopify's theme-check with no errors or warnings", async () => {
    // theme-check first tries to download the latest Liquid docs from GitHub. A root that can't
    // exist fails that at once (no network wait), and it uses the docs bundled with the package.
    process.env.SHOPIFY_TLD_ROOT = "file:/nonexistent/theme-liquid-docs";
    const offenses = await check(EXTENSION_ROOT);
    const problems = offenses
      .filter((offense) => offense.severity <= 1) // 0 = error, 1 = warning, 2 = info
      .map(
        (offense) =>
          `${path.relative(EXTENSION_ROOT, offense.uri.replace("file://", ""))}:${offense.start.line + 1} ${offense.check}: ${offense.message}`,
      );
    expect(problems).toEqual([]);
  });

  it("stays within Shopify's file and content size limits", () => {
    const sizeOf = (file: string) => statSync(file).size;
    const total = files.reduce((sum, file) => sum + sizeOf(file), 0);
    const liquid = files.filter((file) => file.endsWith(".liquid")).reduce((sum, file) => sum + sizeOf(file), 0);
    expect(total).toBeLessThanOrEqual(LIMITS.totalBytes);
    expect(liquid).toBeLessThanOrEqual(LIMITS.liquidBytes);
    expect(blockNames().length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(localeFiles.length).toBeLessThanOrEqual(LIMITS.localeFiles);
    for (const localeFile of localeFiles) {
      expect(sizeOf(path.join(EXTENSION_ROOT, "locales", localeFile)), localeFile).toBeLessThanOrEqual(
        LIMITS.localeFileBytes,
      );
    }
    for (const name of blockNames()) {
      const schema = readBlockSchema(name);
      for (const [asset, limit] of [
        [schema.stylesheet, LIMITS.cssCompressedBytes],
        [schema.javascript, LIMITS.jsCompressedBytes],
      ] as const) {
        if (!asset) continue;
        const compressed = gzipSync(readFileSync(path.join(EXTENSION_ROOT, "assets", asset))).length;
        expect(compressed, `${name}: ${asset}`).toBeLessThanOrEqual(limit);
      }
    }
  });

  it("has only the folders and files a theme app extension may contain", () => {
    const allowed =
      /^(shopify\.extension\.toml|blocks\/[\w-]+\.liquid|snippets\/[\w-]+\.liquid|assets\/[\w.-]+|locales\/[a-z]{2}(-[A-Z]{2})?(\.default)?(\.schema)?\.json)$/;
    const unexpected = files.map((file) => path.relative(EXTENSION_ROOT, file)).filter((file) => !allowed.test(file));
    expect(unexpected).toEqual([]);
    expect(readFileSync(path.join(EXTENSION_ROOT, "shopify.extension.toml"), "utf8")).toMatch(/^type = "theme"$/m);
  });

  describe.each(blockNames())("blocks/%s.liquid schema", (name) => {
    const schema = readBlockSchema(name);
    const settings = schema.settings ?? [];
    const defaultSchemaLocale = readLocale("en.default.schema.json");

    it("declares a valid target, a short name and a stylesheet that exists", () => {
      expect(["section", "head", "compliance_head", "body"]).toContain(schema.target);
      const displayedName = schema.name.startsWith("t:")
        ? lookup(defaultSchemaLocale, schema.name.slice(2))
        : schema.name;
      expect(typeof displayedName).toBe("string");
      expect((displayedName as string).length).toBeLessThanOrEqual(LIMITS.blockNameChars);
      if (schema.stylesheet)
        expect(statSync(path.join(EXTENSION_ROOT, "assets", schema.stylesheet)).isFile()).toBe(true);
    });

    it("has at most 25 settings, unique ids, and select defaults among the options", () => {
      expect(settings.length).toBeLessThanOrEqual(LIMITS.settingsPerBlock);
      const ids = settings.flatMap((setting) => (setting.id ? [setting.id] : []));
      expect(new Set(ids).size).toBe(ids.length);
      for (const setting of settings.filter((candidate) => candidate.type === "select")) {
        expect(
          setting.options?.map((option) => option.value),
          setting.id,
        ).toContain(setting.default);
      }
    });

    it("has every merchant-facing label translated in every schema locale", () => {
      const translationKeys = JSON.stringify(schema)
        .match(/"t:[\w.]+"/g)!
        .map((quoted) => quoted.slice(3, -1));
      for (const localeFile of localeFiles.filter((file) => file.endsWith(".schema.json"))) {
        const locale = readLocale(localeFile);
        const missing = translationKeys.filter((key) => typeof lookup(locale, key) !== "string");
        expect(missing, localeFile).toEqual([]);
      }
    });
  });

  it("translates every storefront and schema string into each extra language", () => {
    const defaults = localeFiles.filter((file) => file.includes(".default."));
    expect(defaults.sort()).toEqual(["en.default.json", "en.default.schema.json"]);
    const others = localeFiles.filter((file) => !file.includes(".default."));
    expect(others.length).toBeGreaterThanOrEqual(2); // a storefront and a schema file per extra language
    for (const file of others) {
      const defaultFile = file.endsWith(".schema.json") ? "en.default.schema.json" : "en.default.json";
      expect(keysOf(readLocale(file)).sort(), file).toEqual(keysOf(readLocale(defaultFile)).sort());
    }
  });
});
