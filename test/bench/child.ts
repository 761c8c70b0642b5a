// Runs one benchmark in a fresh process and prints its figures as one JSON line, so each
// measurement (memory above all) starts clean. Used by run.ts.
const [benchName, arg] = process.argv.slice(2);
export {};

async function run(): Promise<unknown> {
  switch (benchName) {
    case "engine":
      return (await import("./engine")).benchEngine(Number(arg));
    case "webhooks":
      return (await import("./webhooks")).benchWebhooks(Number(arg || 10));
    case "admin":
      return (await import("./admin")).benchAdmin(Number(arg));
    case "vitals":
      return (await import("./vitals")).benchVitals(arg.split(",").map(Number));
    case "compute-scale":
      return (await import("./compute-scale")).benchComputeScale(arg.split(",").map(Number));
    case "backfill":
      return (await import("./backfill")).benchBackfill(Number(arg));
    case "push": {
      // Written alongside the push job; resolved at run time so the other benchmarks run without it.
      const modulePath = "./push";
      const push = (await import(/* @vite-ignore */ modulePath)) as {
        benchPush: (customers?: number) => Promise<unknown>;
      };
      return push.benchPush(arg ? Number(arg) : undefined);
    }
    default:
      throw new Error(`unknown benchmark ${benchName}`);
  }
}

run().then(
  (figures) => {
    process.stdout.write(
      `\nBENCH ${JSON.stringify({ figures, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
    );
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
