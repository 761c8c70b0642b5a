// Renders the theme app extension's blocks with liquidjs, the way Shopify's storefront would.
//
// liquidjs implements standard Liquid. The Shopify-only pieces our blocks use are registered
// below as small TEST DOUBLES OF SHOPIFY'S OWN FILTERS AND TAGS (`t`, `image_url`, `image_tag`,
// `money`, `md5`, `hmac_sha256`, `{% schema %}`), not of our code: they follow Shopify's documented behaviour
// closely enough for the blocks' own logic (membership, fallbacks, escaping) to be tested.
import { createHash, createHmac } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Liquid, Tag, TypeGuards } from "liquidjs";
import type { TagToken, TopLevelToken } from "liquidjs";
import { storefrontApp } from "./fixtures";

export const EXTENSION_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../extensions/segment-blocks",
);

type Json = Record<string, unknown>;
type KeywordArg = [string, unknown];

export interface BlockSchemaSetting {
  type: string;
  id?: string;
  label?: string;
  info?: string;
  content?: string;
  default?: unknown;
  options?: { value: string; label: string }[];
}

export interface BlockSchema {
  name: string;
  target: string;
  stylesheet?: string;
  javascript?: string;
  settings?: BlockSchemaSetting[];
  [attribute: string]: unknown;
}

const SCHEMA_PATTERN = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/;

export function blockNames(): string[] {
  return readdirSync(path.join(EXTENSION_ROOT, "blocks"))
    .filter((file) => file.endsWith(".liquid"))
    .map((file) => file.replace(/\.liquid$/, ""));
}

export function readBlockSchema(blockName: string): BlockSchema {
  const source = readFileSync(path.join(EXTENSION_ROOT, "blocks", `${blockName}.liquid`), "utf8");
  const match = SCHEMA_PATTERN.exec(source);
  if (!match) throw new Error(`blocks/${blockName}.liquid has no {% schema %}`);
  return JSON.parse(match[1]) as BlockSchema;
}

export function readLocale(fileName: string): Json {
  return JSON.parse(readFileSync(path.join(EXTENSION_ROOT, "locales", fileName), "utf8")) as Json;
}

function lookup(tree: Json, dottedKey: string): unknown {
  return dottedKey
    .split(".")
    .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Json)[part] : undefined), tree);
}

function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Double of Shopify's `{% schema %}`: parsed by Shopify at deploy time, renders nothing. */
class SchemaTagDouble extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    while (remainTokens.length > 0) {
      const next = remainTokens.shift();
      if (TypeGuards.isTagToken(next) && next.name === "endschema") return;
    }
    throw new Error("{% schema %} is not closed");
  }

  *render(): Generator<unknown, void, unknown> {}
}

/** What Shopify's `image_url` returns: a URL that `image_tag` still knows the image of. */
class ImageUrlDouble {
  constructor(
    readonly url: string,
    readonly image: { alt?: string; width?: number; height?: number },
  ) {}

  toString(): string {
    return this.url;
  }
}

function createEngine(locale: Json): Liquid {
  const engine = new Liquid({
    root: EXTENSION_ROOT,
    partials: path.join(EXTENSION_ROOT, "snippets"),
    extname: ".liquid",
    strictFilters: true, // a filter Shopify has but this harness lacks must fail loudly
    ownPropertyOnly: true,
    cache: true,
  });
  engine.registerTag("schema", SchemaTagDouble);

  // Shopify's `t`: looks the key up in the extension's locale; interpolated values are escaped
  // unless the key ends in `_html`; a missing key renders "translation missing: …".
  engine.registerFilter("t", (key: string, ...args: KeywordArg[]) => {
    const template = lookup(locale, key);
    if (typeof template !== "string") return `translation missing: ${key}`;
    const values = Object.fromEntries(args.filter(Array.isArray));
    const raw = key.endsWith("_html");
    return template.replace(/{{\s*(\w+)\s*}}/g, (_, name: string) =>
      raw ? String(values[name] ?? "") : escapeHtml(values[name]),
    );
  });

  engine.registerFilter(
    "image_url",
    (image: { src: string; alt?: string; width?: number; height?: number }, ...args: KeywordArg[]) => {
      const width = Object.fromEntries(args.filter(Array.isArray)).width;
      return new ImageUrlDouble(`https://cdn.shopify.test/${image.src}?width=${width}`, image);
    },
  );

  // Shopify's `image_tag`: width/height come from the image (so the browser reserves space);
  // alt defaults to the image's alt text; every attribute is escaped.
  engine.registerFilter("image_tag", (source: ImageUrlDouble, ...args: KeywordArg[]) => {
    const options = Object.fromEntries(args.filter(Array.isArray));
    const attributes: Record<string, unknown> = {
      src: source.url,
      alt: options.alt ?? source.image.alt ?? "",
      width: source.image.width,
      height: source.image.height,
      loading: options.loading,
      sizes: options.sizes,
      class: options.class,
    };
    const rendered = Object.entries(attributes)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}="${escapeHtml(value)}"`)
      .join(" ");
    return `<img ${rendered}>`;
  });

  // Shopify's `money` formats cents with the shop's money format; the fixtures' shop uses "${{amount}}".
  engine.registerFilter("money", (cents: number) => `$${(Number(cents) / 100).toFixed(2)}`);
  engine.registerFilter("md5", (value: unknown) => createHash("md5").update(String(value)).digest("hex"));
  // Shopify's `hmac_sha256`: the lowercase hex HMAC-SHA256 of the string, keyed by the argument.
  engine.registerFilter("hmac_sha256", (value: unknown, secret: unknown) =>
    createHmac("sha256", String(secret ?? ""))
      .update(String(value ?? ""))
      .digest("hex"),
  );
  return engine;
}

const engines = new Map<string, Liquid>();

function engineFor(localeFile: string): Liquid {
  let engine = engines.get(localeFile);
  if (!engine) {
    engine = createEngine(readLocale(localeFile));
    engines.set(localeFile, engine);
  }
  return engine;
}

/** The settings a merchant gets when adding the block: the schema defaults, then overrides. */
export function blockSettings(blockName: string, overrides: Json = {}): Json {
  const defaults: Json = {};
  for (const setting of readBlockSchema(blockName).settings ?? []) {
    if (setting.id) defaults[setting.id] = setting.default ?? null;
  }
  for (const id of Object.keys(overrides)) {
    if (!(id in defaults)) throw new Error(`blocks/${blockName}.liquid has no setting "${id}"`);
  }
  return { ...defaults, ...overrides };
}

export interface RenderOptions {
  settings?: Json;
  /** The logged-in customer; null for a guest (Shopify's `customer` is nil then). */
  customer?: Json | null;
  shop?: Json;
  request?: Json;
  /** The page's product, on product templates. */
  product?: Json;
  /** Liquid's `app` (the app's app-data metafields); by default as a push leaves it. */
  app?: Json;
  localeFile?: string;
}

export async function renderBlock(blockName: string, options: RenderOptions = {}): Promise<string> {
  const block = { id: `block-${blockName}`, type: blockName, settings: blockSettings(blockName, options.settings) };
  // Global objects stay visible inside `{% render %}`ed snippets, as on Shopify.
  const globals = {
    customer: options.customer ?? null,
    shop: options.shop ?? { name: "Test shop", metaobjects: {} },
    request: { design_mode: false, path: "/", ...options.request },
    product: options.product ?? null,
    app: options.app ?? storefrontApp(),
  };
  const html: string = await engineFor(options.localeFile ?? "en.default.json").renderFile(
    `blocks/${blockName}`,
    { block },
    { globals },
  );
  return html;
}

/** Collapses whitespace so assertions read like the page. */
export function squish(html: string): string {
  return html.replace(/\s+/g, " ").trim();
}
