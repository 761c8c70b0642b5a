import { realpathSync } from "node:fs";
import path from "node:path";

// Where things are: the repo root and the JavaScript entry of a package binary, run with this
// process's Node (22, from node_modules/.bin) rather than whatever `node` the PATH has first.

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const DATA_DIR = path.join(REPO_ROOT, ".data");

export function binEntry(name: string): string {
  return realpathSync(path.join(REPO_ROOT, "node_modules/.bin", name));
}

/** [command, args] that run a package binary on this process's Node. */
export function nodeBin(name: string, args: string[]): [string, string[]] {
  return [process.execPath, [binEntry(name), ...args]];
}
