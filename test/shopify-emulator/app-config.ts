// Reads what the emulator needs from the app's `shopify.app.toml`: the app's name, webhook subscriptions
// (topic → relative uri), compliance topics, the webhooks API version, access scopes and the
// app-owned customer metafield and metaobject definitions.
// A deliberately small TOML reader: tables, arrays of tables, strings, string arrays, booleans.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface AppConfig {
  /** `name`: what the admin calls the app (sidebar, page title). */
  name: string | null;
  /** `handle`: the app's path in the admin, `/store/<store>/apps/<handle>`. */
  handle: string | null;
  /** Topic (e.g. `orders/create`) → path on the app (e.g. `/webhooks/orders/create`). */
  subscriptions: Map<string, string>;
  webhooksApiVersion: string | null;
  scopes: string | null;
  /** App-owned customer metafield definitions (`[customer.metafields.app.<key>]`). */
  customerMetafields: { key: string; type: string; name: string; description: string | null }[];
  /** App-owned metaobject definitions (`[metaobjects.app.<name>]`), type `$app:<name>`. */
  metaobjects: AppMetaobjectDefinition[];
}

export interface AppMetaobjectDefinition {
  /** `<name>` of `$app:<name>`. */
  name: string;
  displayName: string;
  description: string | null;
  displayNameKey: string | null;
  /** In the toml's order, which is the order Shopify lists them in. */
  fields: { key: string; name: string; type: string; required: boolean; description: string | null }[];
}

export const DEFAULT_APP_TOML = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shopify.app.toml");

type TomlValue = string | boolean | number | string[];
interface TomlTable {
  [key: string]: TomlValue | TomlTable | TomlTable[];
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current: TomlTable = root;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = stripComment(lines[i]).trim();
    if (!line) continue;
    const arrayTable = /^\[\[([^\]]+)\]\]$/.exec(line);
    const table = /^\[([^\]]+)\]$/.exec(line);
    if (arrayTable || table) {
      const keys = (arrayTable ?? table)![1].split(".").map((k) => k.trim().replace(/^"|"$/g, ""));
      let node = root;
      for (const key of keys.slice(0, -1)) {
        const next = node[key];
        node = Array.isArray(next) ? (next.at(-1) as TomlTable) : ((node[key] ??= {}) as TomlTable);
      }
      const last = keys.at(-1)!;
      if (arrayTable) {
        const list = (node[last] ??= []) as TomlTable[];
        list.push((current = {}));
      } else current = (node[last] ??= {}) as TomlTable;
      continue;
    }
    const assignment = /^("?[\w.-]+"?)\s*=\s*(.*)$/.exec(line);
    if (!assignment) continue;
    let raw = assignment[2];
    // Multi-line arrays: keep reading until the brackets balance.
    while (raw.startsWith("[") && count(raw, "[") > count(raw, "]") && i + 1 < lines.length)
      raw += " " + stripComment(lines[++i]).trim();
    line = raw;
    current[assignment[1].replace(/^"|"$/g, "")] = parseValue(line);
  }
  return root;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function stripComment(line: string): string {
  let quoted: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === quoted) quoted = null;
    } else if (c === '"' || c === "'") quoted = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

function parseValue(raw: string): TomlValue {
  const value = raw.trim();
  if (value.startsWith("[")) return [...value.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]);
  if (/^".*"$|^'.*'$/.test(value)) return value.slice(1, -1);
  if (value === "true" || value === "false") return value === "true";
  return Number(value);
}

function emptyConfig(): AppConfig {
  return {
    name: null,
    handle: null,
    subscriptions: new Map(),
    webhooksApiVersion: null,
    scopes: null,
    customerMetafields: [],
    metaobjects: [],
  };
}

export function readAppConfig(file = DEFAULT_APP_TOML): AppConfig {
  if (!existsSync(file)) return emptyConfig();
  return appConfigFromToml(readFileSync(file, "utf8"));
}

export function appConfigFromToml(text: string): AppConfig {
  const config = emptyConfig();
  const toml = parseToml(text);
  config.name = stringOr(toml.name, null);
  config.handle = stringOr(toml.handle, null);
  const webhooks = (toml.webhooks ?? {}) as TomlTable;
  config.webhooksApiVersion = typeof webhooks.api_version === "string" ? webhooks.api_version : null;
  for (const subscription of (webhooks.subscriptions ?? []) as TomlTable[]) {
    const uri = subscription.uri;
    if (typeof uri !== "string") continue;
    for (const topic of [
      ...((subscription.topics as string[]) ?? []),
      ...((subscription.compliance_topics as string[]) ?? []),
    ])
      config.subscriptions.set(topic, uri);
  }
  const scopes = (toml.access_scopes as TomlTable | undefined)?.scopes;
  config.scopes = typeof scopes === "string" ? scopes : null;
  const appMetafields = (((toml.customer as TomlTable | undefined)?.metafields as TomlTable | undefined)?.app ??
    {}) as Record<string, TomlTable>;
  for (const [key, definition] of Object.entries(appMetafields)) {
    if (typeof definition.type !== "string") continue;
    config.customerMetafields.push({
      key,
      type: definition.type,
      name: typeof definition.name === "string" ? definition.name : key,
      description: typeof definition.description === "string" ? definition.description : null,
    });
  }
  const appMetaobjects = ((toml.metaobjects as TomlTable | undefined)?.app ?? {}) as Record<string, TomlTable>;
  for (const [name, definition] of Object.entries(appMetaobjects)) {
    const fields = Object.entries((definition.fields ?? {}) as Record<string, TomlTable>).flatMap(([key, field]) =>
      typeof field.type === "string"
        ? [
            {
              key,
              name: stringOr(field.name, key),
              type: field.type,
              required: field.required === true,
              description: stringOr(field.description, null),
            },
          ]
        : [],
    );
    config.metaobjects.push({
      name,
      displayName: stringOr(definition.name, name),
      description: stringOr(definition.description, null),
      displayNameKey: stringOr(definition.display_name_field, null),
      fields,
    });
  }
  return config;
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === "string" ? value : fallback;
}
