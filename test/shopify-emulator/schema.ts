// Shopify's real Admin GraphQL schema for the emulated API version, taken from the
// introspection JSON that `@shopify/dev-mcp` ships. We extract that one file into the
// repo's git-ignored `.cache/` instead of depending on the package (it pulls in the CLI).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

export const API_VERSION = "2026-07";
const DEV_MCP_PACKAGE = "@shopify/dev-mcp@1.16.0";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cacheDir = path.join(repoRoot, ".cache");

export function adminSchemaPath(version = API_VERSION): string {
  return path.join(cacheDir, `shopify-admin-${version}.json.gz`);
}

/** Makes sure `.cache/shopify-admin-<version>.json.gz` exists, fetching it from npm once. */
export function ensureAdminSchemaFile(version = API_VERSION): string {
  const target = adminSchemaPath(version);
  if (existsSync(target)) return target;

  const work = mkdtempSync(path.join(tmpdir(), "shopify-dev-mcp-"));
  try {
    const tarball = execFileSync("npm", ["pack", DEV_MCP_PACKAGE, "--pack-destination", work, "--silent"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop()!;
    const member = `package/dist/data/admin_${version}.json.gz`;
    execFileSync("tar", ["-xzf", path.join(work, tarball), "-C", work, member]);
    mkdirSync(cacheDir, { recursive: true });
    // Rename is atomic, so parallel test workers never see a half-written file.
    const staged = `${target}.${process.pid}.tmp`;
    renameSync(path.join(work, member), staged);
    renameSync(staged, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const schemas = new Map<string, GraphQLSchema>();

export function loadAdminSchema(version = API_VERSION): GraphQLSchema {
  let schema = schemas.get(version);
  if (!schema) {
    const json = JSON.parse(gunzipSync(readFileSync(ensureAdminSchemaFile(version))).toString("utf8")) as {
      data: IntrospectionQuery;
    };
    schema = buildClientSchema(json.data);
    schemas.set(version, schema);
  }
  return schema;
}
