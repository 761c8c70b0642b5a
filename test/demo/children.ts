import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";

// The demo's child processes (app server, worker, PGlite, redis-server). Each runs in its own
// process group so that Ctrl-C reaches only the demo, which then stops them in order; their
// output goes to a log file per process, and its tail is shown when one of them dies.

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** The last lines of the process's output. */
  tail(lines?: number): string;
}

export class Children {
  private readonly running = new Map<string, Child>();
  private stopping = false;

  constructor(private readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
    // Last resort when the demo itself exits without stopAll (e.g. an uncaught error).
    process.once("exit", () => {
      for (const child of this.running.values()) signalGroup(child.process, "SIGKILL");
    });
  }

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
    const logFile = path.join(this.logDir, `${name}.log`);
    // The child writes straight into the file: nothing is lost if the demo itself dies.
    const log = openSync(logFile, "w");
    const proc = spawn(command, args, { env, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    const exited = new Promise<number | string>((resolve) => {
      proc.once("error", (error) => resolve(error.message));
      proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    });
    const child: Child = {
      name,
      process: proc,
      logFile,
      exited,
      tail: (lines = 20) => readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n"),
    };
    this.running.set(name, child);
    void exited.then(() => this.running.delete(name));
    return child;
  }

  /** Rejects when any child ends before stopAll() (a crashed server or worker). */
  watch(): Promise<never> {
    return new Promise((_, reject) => {
      for (const child of this.running.values()) {
        void child.exited.then((code) => {
          if (!this.stopping) {
            reject(
              new Error(
                `${child.name} exited unexpectedly (${code}); last output (${child.logFile}):\n${child.tail()}`,
              ),
            );
          }
        });
      }
    });
  }

  /** Stops the given children (default: all, newest first): SIGTERM, then SIGKILL after the grace period. */
  async stop(names = [...this.running.keys()].reverse(), graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const name of names) {
      const child = this.running.get(name);
      if (!child) continue;
      signalGroup(child.process, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child.process, "SIGKILL"), graceMs);
      await child.exited;
      clearTimeout(timer);
    }
  }
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals) {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal); // the whole group: tsx runs the script in a grandchild
  } catch {
    // already gone
  }
}
