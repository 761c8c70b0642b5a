import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseToml } from "../app-config";

// What App Bridge's `shopify.app.extensions()` answers in the emulated admin: the app's theme app
// extensions (read from `extensions/*/shopify.extension.toml` with `type = "theme"` next to the
// app's toml) with each block and embed, and whether the shop's published theme has it on. Shape
// as in @shopify/app-bridge-types (ExtensionInfo, ThemeExtensionActivation, ThemeAppBlockActivation).

export interface ThemeBlockDefinition {
  /** The block file's name without `.liquid`. */
  handle: string;
  /** The schema's name, `t:` keys resolved from `locales/en.default.schema.json`. */
  name: string;
  /** `section` for app blocks; `head`, `body` or `compliance_head` for app embeds. */
  target: string;
}

export interface ThemeExtensionDefinition {
  handle: string;
  blocks: ThemeBlockDefinition[];
}

/** What is on in a shop's published theme. Default: nothing (a fresh install). */
export interface ThemeActivations {
  /** Handles of the app embeds that are switched on. */
  embeds?: string[];
  /** App block handle → the templates it is placed on (once per entry), e.g. `{ "segment-content": ["index"] }`. */
  blocks?: Record<string, string[]>;
}

/** The emulated shop's published theme. */
export const PUBLISHED_THEME_ID = "gid://shopify/OnlineStoreTheme/1";

export function readThemeExtensions(appRoot: string): ThemeExtensionDefinition[] {
  const dir = path.join(appRoot, "extensions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "shopify.extension.toml")))
    .flatMap((entry) => {
      const root = path.join(dir, entry.name);
      const toml = parseToml(readFileSync(path.join(root, "shopify.extension.toml"), "utf8"));
      if (toml.type !== "theme") return [];
      const handle =
        typeof toml.handle === "string" ? toml.handle : typeof toml.name === "string" ? toml.name : entry.name;
      return [{ handle, blocks: readBlocks(root) }];
    });
}

function readBlocks(root: string): ThemeBlockDefinition[] {
  const blocksDir = path.join(root, "blocks");
  if (!existsSync(blocksDir)) return [];
  const localeFile = path.join(root, "locales/en.default.schema.json");
  const locale: unknown = existsSync(localeFile) ? JSON.parse(readFileSync(localeFile, "utf8")) : {};
  const translate = (text: string) => {
    if (!text.startsWith("t:")) return text;
    const value = text
      .slice(2)
      .split(".")
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], locale);
    return typeof value === "string" ? value : text;
  };
  return readdirSync(blocksDir)
    .filter((file) => file.endsWith(".liquid"))
    .sort()
    .flatMap((file) => {
      const schema = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/.exec(
        readFileSync(path.join(blocksDir, file), "utf8"),
      );
      if (!schema) return [];
      const parsed = JSON.parse(schema[1]) as { name?: string; target?: string };
      const handle = file.replace(/\.liquid$/, "");
      return [{ handle, name: translate(parsed.name ?? handle), target: parsed.target ?? "section" }];
    });
}

const isEmbed = (block: ThemeBlockDefinition) => block.target !== "section";

/** Throws on a handle that is not one of the extension's embeds or blocks (a typo in a test). */
export function checkActivations(extensions: ThemeExtensionDefinition[], activations: ThemeActivations): void {
  const blocks = extensions.flatMap((e) => e.blocks);
  for (const handle of activations.embeds ?? []) {
    if (!blocks.some((b) => b.handle === handle && isEmbed(b)))
      throw new Error(`Shopify emulator: no app embed ${handle}`);
  }
  for (const handle of Object.keys(activations.blocks ?? {})) {
    if (!blocks.some((b) => b.handle === handle && !isEmbed(b)))
      throw new Error(`Shopify emulator: no app block ${handle}`);
  }
}

/** The `shopify.app.extensions()` answer for a shop. */
export function appExtensionsAnswer(extensions: ThemeExtensionDefinition[], activations: ThemeActivations) {
  return extensions.map((extension) => ({
    handle: extension.handle,
    type: "theme_app_extension" as const,
    activations: extension.blocks.map((block) => {
      // Placement targets look like Shopify's (`template--<template>/<section>/<block id>`); only their number matters.
      const placements = isEmbed(block)
        ? (activations.embeds ?? []).includes(block.handle)
          ? [`settings_data/blocks/${block.handle}`]
          : []
        : (activations.blocks?.[block.handle] ?? []).map(
            (template, i) => `template--${template}/apps/${block.handle.replace(/-/g, "_")}_${i + 1}`,
          );
      return {
        handle: block.handle,
        name: block.name,
        target: block.target,
        status: placements.length > 0 ? ("active" as const) : ("available" as const),
        activations: placements.map((target) => ({ target, themeId: PUBLISHED_THEME_ID })),
      };
    }),
  }));
}
