import { parseArgs } from "node:util";

// Command line of `npm run demo -- [options]`.

export interface DemoOptions {
  check: boolean;
  customers: number;
  /** The emulated admin's port (0: any free port). */
  port: number;
  /** The app server's port (0: any free port). */
  appPort: number;
  /** Use embedded PGlite and a redis-server of its own even when local services answer (tries the fallbacks). */
  embedded: boolean;
  /** The emulated shop's "today": its history ends there and the app computes as of it. */
  now: Date | undefined;
  help: boolean;
}

/** `--check` pins the day, so CI sees the same shop and the same segments on every date. */
export const CHECK_NOW = "2026-11-01T00:00:00Z";

/** `--check` runs in CI: a smaller shop keeps it well under two minutes. */
export const DEFAULT_CUSTOMERS = { demo: 5_000, check: 1_000 };

export const USAGE = `npm run demo -- [--customers N] [--now ISO-DATE] [--port 4000] [--app-port N] [--check]

  --customers N   customers in the emulated shop (default ${DEFAULT_CUSTOMERS.demo.toLocaleString("en-US")}: ~15,000 orders over two years;
                  ${DEFAULT_CUSTOMERS.check.toLocaleString("en-US")} with --check)
  --now DATE      the shop's "today" (ISO date or date-time): its history ends there and the app
                  scores as of it (default: the real now; ${CHECK_NOW} with --check)
  --port N        port of the emulated Shopify admin (default 4000, any free port with --check)
  --app-port N    port of the app server (default: any free port)
  --embedded      use embedded PGlite and a redis-server of its own even when PostgreSQL/Redis
                  answer on their default ports (DATABASE_URL/REDIS_URL still win)
  --check         install, back-fill, compute and push, verify the end state, print a JSON summary
                  and exit (0 when everything holds) instead of serving until Ctrl-C`;

export function parseOptions(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      check: { type: "boolean", default: false },
      customers: { type: "string" },
      port: { type: "string" },
      "app-port": { type: "string" },
      embedded: { type: "boolean", default: false },
      now: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const check = values.check ?? false;
  return {
    check,
    customers: integer("--customers", values.customers, check ? DEFAULT_CUSTOMERS.check : DEFAULT_CUSTOMERS.demo, 1),
    port: integer("--port", values.port, check ? 0 : 4000, 0),
    appPort: integer("--app-port", values["app-port"], 0, 0),
    embedded: values.embedded ?? false,
    now: instant("--now", values.now ?? (check ? CHECK_NOW : undefined)),
    help: values.help ?? false,
  };
}

function instant(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new Error(`${flag} must be an ISO date such as 2026-06-15 (got ${value})`);
  return parsed;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replaceAll("_", ""));
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`${flag} must be an integer ≥ ${min} (got ${value})`);
  return parsed;
}
