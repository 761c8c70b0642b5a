// npm run analyze -- --input FILE [--format shopify|transactions] [--as-of DATE]
//                    [--period day|week] [--out customers.csv] [--json]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { analyzeShop, type PeriodUnit } from "~/segmentation";
import { InputError } from "./analyze-csv";
import { parseDate, parseInput, type InputFormat } from "./analyze-input";
import { formatSummary, summarize, writeCustomersCsv } from "./analyze-report";

const USAGE = `Usage: npm run analyze -- --input FILE [options]

  --input FILE         transactions CSV (customer id, date, amount), CDNOW-style text, or a
                       Shopify orders export
  --format FORMAT      transactions (default) | shopify
  --as-of DATE         analysis day (YYYY-MM-DD); later transactions are ignored.
                       Default: the day of the latest transaction
  --period UNIT        day (default) | week: the BG/NBD time unit
  --out FILE           write one row per customer to this CSV
  --json               print the summary as JSON
  --help, -h           this text`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: "string" },
      format: { type: "string", default: "transactions" },
      "as-of": { type: "string" },
      period: { type: "string", default: "day" },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.input) throw new UsageError("--input FILE is required");
  if (values.format !== "transactions" && values.format !== "shopify") throw new UsageError(`--format must be transactions or shopify, not "${values.format}"`);
  if (values.period !== "day" && values.period !== "week") throw new UsageError(`--period must be day or week, not "${values.period}"`);

  const text = await readFile(values.input, "utf8");
  const input = parseInput(text, values.format as InputFormat);
  const { transactions, utcOffsetMinutes } = input;

  let asOf: number;
  if (values["as-of"]) {
    const parsed = parseDate(values["as-of"]);
    if (!parsed) throw new UsageError(`--as-of: unparsable date "${values["as-of"]}" (use YYYY-MM-DD)`);
    // A bare date means that day in the shop's time zone.
    asOf = parsed.offsetMinutes === null ? parsed.time - utcOffsetMinutes * 60_000 : parsed.time;
  } else {
    asOf = transactions.time.reduce((latest, t) => Math.max(latest, t), -Infinity);
  }

  const analysis = analyzeShop(transactions, { asOf, periodUnit: values.period as PeriodUnit, utcOffsetMinutes });
  if (analysis.customers.count === 0) throw new InputError(null, `no customer has an order on or before ${analysis.asOfDay}`);
  if (values.out) await writeCustomersCsv(analysis, values.out);

  const summary = summarize(analysis, input);
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(formatSummary(summary));
    if (values.out) console.log(`\nWrote ${analysis.customers.count} customers to ${values.out}`);
  }
}

/** A mistyped or missing flag: the usage follows, and the exit status is 2 (bad input is 1). */
function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isUsageError(error)) {
    console.error(`analyze: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof InputError) {
    console.error(`analyze: ${error.message}`);
  } else if (error instanceof Error && "code" in error && error.code === "ENOENT") {
    console.error(`analyze: cannot read input file: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
