// npm run analyze -- --input FILE [--format shopify|transactions] [--as-of DATE]
//                    [--period day|week] [--horizon-days N] [--order-id COLUMN]
//                    [--backtest] [--out customers.csv] [--json]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { analyzeShop, type PeriodUnit } from "~/segmentation";
import { runBacktest } from "~/segmentation/backtest";
import { PURCHASE_MODEL_CANDIDATES } from "~/segmentation/choose-model";
import { dataSufficiency } from "~/segmentation/data-sufficiency";
import { measureLabelThresholds } from "~/segmentation/label-thresholds";
import { formatBacktest, summarizeBacktest } from "./analyze-backtest";
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
  --horizon-days N     prediction horizon in days (default 90): expected_orders_<N>d in
                       --out, and the backtest window
  --order-id COLUMN    rows sharing this column are line items of one order (default: an
                       "Order ID"/"order_id"/"Order Number"… column if there is one)
  --backtest           hide the last N days, fit on the rest, compare the predictions with
                       what customers did; prints metrics, deciles, label repurchase shares,
                       measured label cut-offs and whether the data suffices
  --out FILE           write one row per customer to this CSV
  --json               print the summary as JSON (with "backtest" and "model.choice"
                       when --backtest is given)
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
      "horizon-days": { type: "string" },
      "order-id": { type: "string" },
      backtest: { type: "boolean", default: false },
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
  if (values.format !== "transactions" && values.format !== "shopify")
    throw new UsageError(`--format must be transactions or shopify, not "${values.format}"`);
  if (values.period !== "day" && values.period !== "week")
    throw new UsageError(`--period must be day or week, not "${values.period}"`);

  let horizonDays: number | undefined;
  if (values["horizon-days"] !== undefined) {
    horizonDays = Number(values["horizon-days"]);
    if (!Number.isInteger(horizonDays) || horizonDays <= 0)
      throw new UsageError(`--horizon-days must be a positive whole number, not "${values["horizon-days"]}"`);
  }

  const text = await readFile(values.input, "utf8");
  const input = parseInput(text, values.format as InputFormat, { orderIdColumn: values["order-id"] });
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

  const engineOptions = {
    asOf,
    periodUnit: values.period as PeriodUnit,
    utcOffsetMinutes,
    ...(horizonDays && { predictionHorizonDays: horizonDays }),
  };
  const analysis = analyzeShop(transactions, engineOptions);
  if (analysis.customers.count === 0)
    throw new InputError(null, `no customer has an order on or before ${analysis.asOfDay}`);
  if (values.out) await writeCustomersCsv(analysis, values.out);

  let backtest: ReturnType<typeof summarizeBacktest> | undefined;
  if (values.backtest) {
    const result = runBacktest(transactions, {
      ...engineOptions,
      explanations: false,
      candidates: PURCHASE_MODEL_CANDIDATES,
    });
    backtest = summarizeBacktest(result, dataSufficiency(result), measureLabelThresholds(result));
  }

  const summary = summarize(analysis, input);
  if (values.json)
    console.log(
      JSON.stringify(backtest ? { ...summary, model: { choice: backtest.choice }, backtest } : summary, null, 2),
    );
  else {
    console.log(formatSummary(summary));
    if (backtest) console.log(`\n${formatBacktest(backtest)}`);
    if (values.out) console.log(`\nWrote ${analysis.customers.count} customers to ${values.out}`);
  }
}

/** A mistyped or missing flag: the usage follows, and the exit status is 2 (bad input is 1). */
function isUsageError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
  );
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
