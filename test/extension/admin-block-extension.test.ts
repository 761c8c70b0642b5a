// The customer details block (extensions/customer-scores-block) as Shopify's CLI deploys it: a
// ui_extension on the app's API version, one target that Shopify's admin extension package
// declares, a module that exists and renders only components that target supports, bundled (as
// the CLI does, with esbuild) within the 64 KB compressed limit for UI extensions on 2025-10+.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "~/shopify/api-version";
import { parseToml } from "../shopify-emulator/app-config";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HANDLE = "customer-scores-block";
const EXTENSION_DIR = path.join(ROOT, "extensions", HANDLE);
const TARGET = "admin.customer-details.block.render";

// Shopify's admin extension types, from the package the extension builds against.
const PACKAGE_DIR = path.join(ROOT, "node_modules/@shopify/ui-extensions");
const ADMIN_TYPES = path.join(PACKAGE_DIR, "build/ts/surfaces/admin");

type Table = Record<string, unknown>;
const toml = parseToml(readFileSync(path.join(EXTENSION_DIR, "shopify.extension.toml"), "utf8"));
const extensions = toml.extensions as Table[];
const sources = readdirSync(path.join(EXTENSION_DIR, "src")).filter((f) => /\.tsx?$/.test(f));

/** The Polaris web component tags a target supports: those its type file imports. */
function componentTagsOf(target: string): Set<string> {
  const targetTypes = readFileSync(path.join(ADMIN_TYPES, "targets", `${target}.d.ts`), "utf8");
  const tags = new Set<string>();
  for (const [, file] of targetTypes.matchAll(/import "\.\.\/components\/([\w-]+)\.d\.ts";/g)) {
    const component = readFileSync(path.join(ADMIN_TYPES, "components", `${file}.d.ts`), "utf8");
    for (const [, tag] of component.matchAll(/declare const tagName = '(s-[a-z-]+)';/g)) tags.add(tag);
  }
  return tags;
}

describe("customer details block extension", () => {
  it("is one ui_extension on the app's Admin API version, built with the matching package", () => {
    expect(toml.api_version).toBe(API_VERSION);
    // @shopify/ui-extensions 2026.7.x is API 2026-07: React-based components ended with 2025-07.
    const { version } = JSON.parse(readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
    const [year, month] = version.split(".");
    expect(`${year}-${month.padStart(2, "0")}`).toBe(API_VERSION);
    expect(API_VERSION > "2025-07").toBe(true);

    expect(extensions).toHaveLength(1);
    const [extension] = extensions;
    expect(extension.type).toBe("ui_extension");
    expect(extension.handle).toBe(HANDLE);
    expect(String(extension.handle)).toMatch(/^[a-z0-9-]{1,30}$/);
    expect(String(extension.name).length).toBeGreaterThan(0);
    expect(String(extension.name).length).toBeLessThanOrEqual(30);
    expect(String(extension.description ?? "").length).toBeGreaterThan(0);
  });

  it("targets the customer details block with a module that exists and renders into the sandbox", () => {
    const targeting = extensions[0].targeting as Table[];
    expect(targeting).toEqual([{ module: "./src/BlockExtension.tsx", target: TARGET }]);
    const declared = readFileSync(path.join(ADMIN_TYPES, "extension-targets.d.ts"), "utf8");
    expect(declared).toContain(`'${TARGET}': RenderExtension<`);
    const module = path.join(EXTENSION_DIR, String(targeting[0].module));
    expect(existsSync(module)).toBe(true);
    const entry = readFileSync(module, "utf8");
    // The 2025-10+ shape: a default export that renders Preact into document.body, typed by the target's API.
    expect(entry).toMatch(/export default async \(\) => \{\s*render\(/);
    expect(entry).toContain(`from "@shopify/ui-extensions/${TARGET}"`);
    expect(entry).toContain("shopify.data.selected");
  });

  it("uses only Polaris web components that the target supports, and no React", () => {
    const supported = componentTagsOf(TARGET);
    expect(supported.has("s-admin-block")).toBe(true);
    const used = new Set<string>();
    const rawElements: string[] = [];
    for (const file of sources) {
      const source = readFileSync(path.join(EXTENSION_DIR, "src", file), "utf8");
      for (const [, tag] of source.matchAll(/<(s-[a-z-]+)/g)) used.add(tag);
      // Only lower-case JSX tags are elements; any other element name would be a raw HTML element.
      for (const [, tag] of source.matchAll(/<([a-z][a-z0-9]*)[\s>/]/g)) rawElements.push(`${file}: <${tag}>`);
      expect(source, file).not.toMatch(/from "react(-dom)?(\/.*)?"|@shopify\/ui-extensions-react/);
      if (file.endsWith(".tsx")) expect(source.startsWith("/** @jsxImportSource preact */"), file).toBe(true);
      // The extension is bundled on its own: it may import app code for types only.
      for (const [, what, from] of source.matchAll(/^import (type )?.*? from "([^"]+)";$/gm))
        if (from.includes("/app/")) expect(what, `${file} imports ${from}`).toBe("type ");
    }
    expect(rawElements).toEqual([]);
    expect(used.has("s-admin-block")).toBe(true);
    for (const tag of used) expect(supported, tag).toContain(tag);
  });

  it("bundles on its own, Preact and the extension's files only, within Shopify's 64 KB compressed limit", async () => {
    const module = path.join(EXTENSION_DIR, String((extensions[0].targeting as Table[])[0].module));
    const result = await build({
      entryPoints: [module],
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      target: "es2020",
      jsx: "automatic",
      jsxImportSource: "preact",
      metafile: true,
      logLevel: "silent",
      absWorkingDir: ROOT,
    });
    const inputs = Object.keys(result.metafile!.inputs);
    const outside = inputs.filter(
      (input) => !input.startsWith("extensions/customer-scores-block/") && !input.startsWith("node_modules/preact/"),
    );
    // No app code (the import from app/ is a type) and no other package in the bundle.
    expect(outside).toEqual([]);
    const bytes = gzipSync(result.outputFiles[0].contents).length;
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    expect(bytes).toBeLessThan(16 * 1024); // ours is far below: Preact and a few components
  });
});
