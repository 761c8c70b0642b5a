import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { nodeBin, REPO_ROOT } from "./tools";

// The app is served from its production build (remix-serve), so the demo rebuilds it when the
// sources are newer than build/server/index.js.

export const SERVER_BUILD = path.join(REPO_ROOT, "build/server/index.js");
const INPUTS = ["app", "vite.config.ts", "package-lock.json", "tsconfig.json"];

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** Why the build must be made again, or undefined when it is current. */
export function buildStaleness(): string | undefined {
  if (!existsSync(SERVER_BUILD)) return "no build yet";
  const built = statSync(SERVER_BUILD).mtimeMs;
  const changed = INPUTS.map((input) => path.join(REPO_ROOT, input)).filter(
    (input) => existsSync(input) && newestMtime(input) > built,
  );
  return changed.length
    ? `changed since the last build: ${changed.map((c) => path.relative(REPO_ROOT, c)).join(", ")}`
    : undefined;
}

/** Runs `remix vite:build`; resolves with its output. */
export async function buildApp(): Promise<string> {
  const [command, args] = nodeBin("remix", ["vite:build"]);
  const child = spawn(command, args, { cwd: REPO_ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) {
    throw new Error(
      `\`npx remix vite:build\` failed (exit ${code}):\n${output.trimEnd().split("\n").slice(-20).join("\n")}`,
    );
  }
  return output;
}
