import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { QueueName } from "~/queues.server";

// Worker processes for the tests that run several or kill one: `node --import tsx
// test/jobs/worker-child.ts <queues>` (Node itself, not the tsx launcher, which would leave its
// node child running after a SIGKILL), resolved once it prints "ready".

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function spawnWorker(
  names: QueueName[],
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/jobs/worker-child.ts", ...names], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      if (output.includes("ready")) resolve();
    });
    child.stderr!.on("data", (chunk) => (output += chunk));
    // DEBUG_CHILD=1 echoes everything the workers log; job failures are echoed always, so a test
    // that times out waiting for a job says why the job did not get there.
    const echo = (chunk: Buffer) => {
      const text = String(chunk);
      if (process.env.DEBUG_CHILD) return console.log(text);
      const failures = text.split("\n").filter((line) => / failed \(attempt | worker error: /.test(line));
      if (failures.length) console.log(failures.map((line) => `[worker ${child.pid}] ${line}`).join("\n"));
    };
    child.stdout!.on("data", echo);
    child.stderr!.on("data", echo);
    child.once("exit", (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
  return child;
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return; // already gone
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
