// The analyze CLI's input readers: layouts, Shopify order grouping, and errors that name lines.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAmount, parseDate, parseInput } from "~/cli/analyze-input";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const SHOPIFY_HEADER =
  "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Cancelled at,Refunded Amount,Notes";

describe("dates and amounts", () => {
  it("parses ISO dates, Shopify timestamps with offsets and YYYYMMDD", () => {
    expect(parseDate("2024-03-05")).toEqual({ time: Date.UTC(2024, 2, 5), offsetMinutes: null });
    expect(parseDate("19970101")?.time).toBe(Date.UTC(1997, 0, 1));
    expect(parseDate("2024-03-05 14:23:11 -0500")).toEqual({
      time: Date.UTC(2024, 2, 5, 19, 23, 11),
      offsetMinutes: -300,
    });
    expect(parseDate("2024-03-05T14:23:11Z")?.offsetMinutes).toBe(0);
    expect(parseDate("2024-02-30")).toBeNull();
    expect(parseDate("yesterday")).toBeNull();
  });

  it("parses plain, signed and formatted amounts, nothing else", () => {
    expect(parseAmount("12.50")).toBe(12.5);
    expect(parseAmount("-3")).toBe(-3);
    expect(parseAmount("$1,234.50")).toBe(1234.5);
    expect(parseAmount("12,5")).toBeNull();
    expect(parseAmount("abc")).toBeNull();
    expect(parseAmount("")).toBeNull();
  });
});

describe("transaction CSVs", () => {
  it("detects columns case-insensitively and keeps refunds as negative rows", () => {
    const input = parseInput(
      'Customer_ID,Order Date,AMOUNT\na,2024-01-01,10\nb,2024-01-02,"1,000.00"\na,2024-01-03,-4\n',
      "transactions",
    );
    expect(input.layout).toBe("csv");
    expect(input.transactions.customerIds).toEqual(["a", "b"]);
    expect(Array.from(input.transactions.amount)).toEqual([10, 1000, -4]);
  });

  it("reads the CDNOW layout with four columns", () => {
    const input = parseInput("0001 19970101 2 29.33\n0001 19970118 2 29.73\n0002 19970101 1 5\n", "transactions");
    expect(input.layout).toBe("cdnow");
    expect(input.transactions.customer.length).toBe(3);
    expect(input.transactions.time[1]).toBe(Date.UTC(1997, 0, 18));
  });

  it.each([
    ["", /empty/],
    ["id,when,amount\n", /line 1: missing column\(s\): date/],
    ["id,date,amount\na,2024-01-01,10\nb,01/02/2024,5\n", /line 3: unparsable date "01\/02\/2024"/],
    ["id,date,amount\na,2024-01-01,ten\n", /line 2: unparsable amount "ten"/],
    [
      "id,date,amount,currency\na,2024-01-01,10,USD\nb,2024-01-01,10,EUR\n",
      /line 3: mixed currencies: EUR here, USD on line 2/,
    ],
    ["0001 1997-01-01 2 29.33\n", /line 1: unparsable date/],
  ])("rejects bad input with a message naming the line (%#)", (text, message) => {
    expect(() => parseInput(text, "transactions")).toThrow(message);
  });

  it("counts skipped rows instead of dropping them silently", () => {
    const input = parseInput("email,date,amount\n,2024-01-01,10\nx@y.z,2024-01-01,10\n", "transactions");
    expect(input.skipped).toEqual({ "rows without a customer id": 1 });
  });
});

describe("Shopify order exports", () => {
  const csv = [
    SHOPIFY_HEADER,
    // #1001: two line items; order fields only on the first row; a note with a newline.
    '#1001,Ann@Example.com,paid,2024-01-05 10:00:00 -0500,fulfilled,USD,90.00,100.00,2024-01-05 10:00:00 -0500,1,Mug,40.00,,0.00,"gift,\nwrap"',
    "#1001,,,,,,,,,2,Tea,25.00,,,",
    "#1002,ann@example.com,partially_refunded,2024-02-01 09:00:00 -0500,fulfilled,USD,50.00,50.00,2024-02-01 09:00:00 -0500,1,Pot,50.00,,20.00,",
    "#1003,bob@example.com,paid,2024-02-02 09:00:00 -0500,,USD,30.00,30.00,2024-02-02 09:00:00 -0500,1,Cup,30.00,2024-02-03 10:00:00 -0500,0.00,",
    "#1004,bob@example.com,refunded,2024-02-03 09:00:00 -0500,,USD,30.00,30.00,2024-02-03 09:00:00 -0500,1,Cup,30.00,,30.00,",
    "#1005,,paid,2024-02-04 09:00:00 -0500,,USD,12.00,12.00,2024-02-04 09:00:00 -0500,1,Cup,12.00,,0.00,",
    "#1006,cat@example.com,voided,,,USD,12.00,12.00,2024-02-04 09:00:00 -0500,1,Cup,12.00,,0.00,",
    "#1007,cat@example.com,paid,2024-02-05 23:30:00 -0500,,USD,15.00,15.00,2024-02-05 23:30:00 -0500,1,Cup,15.00,,0.00,",
  ].join("\n");

  it("groups line items into orders, nets refunds and skips cancelled, voided and guest orders with counts", () => {
    const input = parseInput(csv, "shopify");
    expect(input.layout).toBe("shopify");
    expect(input.transactions.customerIds).toEqual(["ann@example.com", "cat@example.com"]);
    expect(Array.from(input.transactions.amount)).toEqual([100, 30, 15]);
    expect(input.currency).toBe("USD");
    expect(input.utcOffsetMinutes).toBe(-300);
    expect(input.skipped).toEqual({
      "cancelled orders": 1,
      "fully refunded orders": 1,
      "orders without a customer email": 1,
      "voided orders": 1,
    });
  });

  it("rejects exports without the order columns and mixed currencies", () => {
    expect(() => parseInput("Name,Email\n#1,a@b.c\n", "shopify")).toThrow(
      /line 1: not a Shopify orders export: missing column\(s\) Total, Created at/,
    );
    const mixed = csv.replace(
      "#1007,cat@example.com,paid,2024-02-05 23:30:00 -0500,,USD",
      "#1007,cat@example.com,paid,2024-02-05 23:30:00 -0500,,CAD",
    );
    expect(() => parseInput(mixed, "shopify")).toThrow(/line 10: mixed currencies: CAD here, USD on line 2/);
  });

  it("runs end to end: customer CSV and a text summary, days in the shop's time zone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-"));
    writeFileSync(join(dir, "orders.csv"), csv);
    const { stdout } = await promisify(execFile)(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      [
        "app/cli/analyze.ts",
        "--input",
        join(dir, "orders.csv"),
        "--format",
        "shopify",
        "--out",
        join(dir, "customers.csv"),
      ],
      { cwd: repoRoot },
    );
    expect(stdout).toMatch(/As of 2024-02-05: 2 customers, 3 transactions \(USD\)/);
    expect(stdout).toMatch(/skipped 1 cancelled orders/);
    expect(stdout).toMatch(/BG\/NBD: not fitted/);
    const [header, ...rows] = readFileSync(join(dir, "customers.csv"), "utf8").trim().split("\n");
    expect(header.split(",")).toContain("clv_12m");
    expect(rows).toHaveLength(2);
    // 23:30 at −05:00 is still 5 February in the shop, although 6 February in UTC.
    expect(rows[1]).toMatch(/^cat@example\.com,2024-02-05,2024-02-05,1,/);
  });

  it("exits with status 1 and a clear message on bad input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-"));
    writeFileSync(join(dir, "bad.csv"), "id,date,amount\na,2024-13-01,5\n");
    const run = promisify(execFile)(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      ["app/cli/analyze.ts", "--input", join(dir, "bad.csv")],
      { cwd: repoRoot },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('analyze: line 2: unparsable date "2024-13-01"'),
    });
  });
});

describe("line-item CSVs (one row per line item)", () => {
  const lineItems = [
    "Order ID,Customer ID,Date,Amount,Currency",
    "A-1,ann,2024-01-05,40.00,USD",
    "A-1,,,25.00,",
    "A-1,ann,2024-01-05,5.00,USD",
    "B-7,bob,2024-01-06,12.00,USD",
    "A-2,ann,2024-01-05,10.00,USD",
    "C-3,,2024-01-07,9.00,USD",
  ].join("\n");

  it("detects the order id column and counts orders, not rows: line amounts are summed", () => {
    const input = parseInput(lineItems, "transactions");
    expect(input.orderGrouping).toEqual({ column: "Order ID", rows: 6, orders: 4 });
    expect(input.transactions.customerIds).toEqual(["ann", "bob"]);
    expect(Array.from(input.transactions.amount)).toEqual([70, 12, 10]);
    expect(input.skipped).toEqual({ "orders without a customer id": 1 });
  });

  it("takes an order total column once per order, and --order-id names the column", () => {
    const totals =
      "Ref,email,created_at,Total\n9,a@x.io,2024-01-05,30\n9,a@x.io,2024-01-05,30\n10,a@x.io,2024-01-09,8\n";
    expect(parseInput(totals, "transactions").transactions.customer.length).toBe(3);
    const grouped = parseInput(totals, "transactions", { orderIdColumn: "ref" });
    expect(Array.from(grouped.transactions.amount)).toEqual([30, 8]);
    expect(() => parseInput(totals, "transactions", { orderIdColumn: "Order" })).toThrow(
      /line 1: --order-id: no column "Order" \(columns: Ref, email, created_at, Total\)/,
    );
  });

  it("reports the grouping in the CLI summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-"));
    writeFileSync(join(dir, "lines.csv"), lineItems);
    const { stdout } = await promisify(execFile)(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      ["app/cli/analyze.ts", "--input", join(dir, "lines.csv")],
      { cwd: repoRoot },
    );
    expect(stdout).toMatch(/As of 2024-01-06: 2 customers, 3 transactions \(USD\)/);
    expect(stdout).toContain('6 rows grouped into 4 orders by the "Order ID" column');
  });
});

describe("horizon and backtest", () => {
  const cdnow = resolve(repoRoot, "../shared/data/cdnow/CDNOW_sample.txt");
  const tsx = resolve(repoRoot, "node_modules/.bin/tsx");

  it("--horizon-days sets the horizon of expected_orders in --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-"));
    const run = (horizon: string, out: string) =>
      promisify(execFile)(
        tsx,
        [
          "app/cli/analyze.ts",
          "--input",
          cdnow,
          "--as-of",
          "1997-09-30",
          "--period",
          "week",
          "--horizon-days",
          horizon,
          "--out",
          join(dir, out),
        ],
        { cwd: repoRoot },
      );
    await Promise.all([run("30", "h30.csv"), run("273", "h273.csv")]);
    const read = (out: string) =>
      readFileSync(join(dir, out), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(","));
    const [short, long] = [read("h30.csv"), read("h273.csv")];
    const shortColumn = short[0].indexOf("expected_orders_30d");
    const longColumn = long[0].indexOf("expected_orders_273d");
    expect(shortColumn).toBeGreaterThan(0);
    expect(longColumn).toBe(shortColumn);
    const total = (rows: string[][], column: number) =>
      rows.slice(1).reduce((sum, row) => sum + Number(row[column]), 0);
    // The paper's 39-week conditional expectation summed over the cohort (1,654 in the backtest test) vs a 30-day horizon.
    expect(total(long, longColumn)).toBeCloseTo(1653.4, 0);
    expect(total(short, shortColumn)).toBeLessThan(total(long, longColumn) / 4);
  });

  it("--backtest --json adds the backtest and the model choice", async () => {
    const { stdout } = await promisify(execFile)(
      tsx,
      ["app/cli/analyze.ts", "--input", cdnow, "--period", "week", "--horizon-days", "273", "--backtest", "--json"],
      { cwd: repoRoot },
    );
    const summary = JSON.parse(stdout);
    expect(summary.asOf).toBe("1998-06-30");
    // Every candidate is compared; on CDNOW BG/NBD corrected by learned trees gets the total right.
    expect(summary.model.choice).toMatchObject({ chosen: "bgnbd+learned", beatsBaseline: true });
    expect(summary.backtest.models.map((m: { name: string }) => m.name)).toEqual([
      "bgnbd",
      "pareto-nbd",
      "bgnbd+seasonal",
      "bgnbd+learned",
      "bgnbd+learned-blend",
    ]);
    expect(summary.backtest.cutoff).toBe("1997-09-30");
    expect(summary.backtest.models[0].metrics).toMatchObject({ actualTotal: 1882, correlation: 0.6256 });
    expect(summary.backtest.models[0].deciles).toHaveLength(10);
    expect(summary.backtest.sufficiency.sufficient).toBe(true);
    expect(summary.backtest.labels.map((l: { key: string }) => l.key)).toContain("churn-risk-high");
    expect(summary.backtest.measuredThresholds.targetRate).toBe(0.1);
  });

  it("--backtest prints the table and an insufficiency verdict for a short history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-"));
    const rows = ["customer_id,date,amount"];
    for (let c = 0; c < 60; c++)
      for (let d = 1; d <= 31; d += 10 + (c % 7)) rows.push(`c${c},2024-03-${String(d).padStart(2, "0")},${10 + c}`);
    writeFileSync(join(dir, "month.csv"), rows.join("\n"));
    const { stdout } = await promisify(execFile)(
      tsx,
      ["app/cli/analyze.ts", "--input", join(dir, "month.csv"), "--backtest"],
      { cwd: repoRoot },
    );
    expect(stdout).toContain("Backtest: fit on orders up to 2024-01-01, predict the 90 days to 2024-03-31");
    expect(stdout).toContain("Data sufficiency: not enough for trustworthy predictions");
    expect(stdout).toContain("- history covers 31 days; predictions need about 180 days (two 90-day horizons)");
    expect(stdout).toContain("Predictions can start on 2024-08-27, when the history reaches 180 days.");
  });
});

describe("command line", () => {
  it.each([
    [["--input", "x.csv", "--jsn"], "Unknown option '--jsn'"],
    [["orders.csv"], "Unexpected argument 'orders.csv'"],
    [["--format", "shopify"], "--input FILE is required"],
    [["--input", "x.csv", "--horizon-days", "ninety"], '--horizon-days must be a positive whole number, not "ninety"'],
  ])("fails fast with the usage on a bad command line (exit 2): %j", async (args, message) => {
    const run = promisify(execFile)(resolve(repoRoot, "node_modules/.bin/tsx"), ["app/cli/analyze.ts", ...args], {
      cwd: repoRoot,
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(`analyze: ${message}`) });
    await expect(run).rejects.toMatchObject({
      stderr: expect.stringContaining("Usage: npm run analyze -- --input FILE"),
    });
  });

  it("documents every flag in --help", async () => {
    const { stdout } = await promisify(execFile)(
      resolve(repoRoot, "node_modules/.bin/tsx"),
      ["app/cli/analyze.ts", "--help"],
      { cwd: repoRoot },
    );
    for (const flag of [
      "--input",
      "--format",
      "--as-of",
      "--period",
      "--horizon-days",
      "--order-id",
      "--backtest",
      "--out",
      "--json",
      "--help",
    ])
      expect(stdout).toContain(flag);
  });
});
