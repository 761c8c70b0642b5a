// Turns the CLI's input files into TransactionColumns: generic transaction CSVs, the
// whitespace-separated CDNOW layout, and Shopify's admin order export.
import { TransactionColumnsBuilder, type TransactionColumns } from "~/segmentation";
import { InputError, readCsv, type CsvRecord } from "./analyze-csv";

export type InputFormat = "transactions" | "shopify";

export interface ParsedInput {
  transactions: TransactionColumns;
  layout: "csv" | "cdnow" | "shopify";
  currency: string | null;
  /** Offset of the first timestamp that carried one: the shop's time zone for day boundaries. */
  utcOffsetMinutes: number;
  /** Reason → number of rows (or orders) left out. */
  skipped: Record<string, number>;
  /** Line-item rows merged into orders by an order id column; null when rows were orders already. */
  orderGrouping: { column: string; rows: number; orders: number } | null;
}

export interface InputOptions {
  /** Column holding the order id (case-insensitive); default: detected from ORDER_ID_COLUMNS. */
  orderIdColumn?: string;
}

const DATE_PATTERN =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ISO-like dates and Shopify's "2024-03-05 14:23:11 -0500"; YYYYMMDD. Null if unparsable. */
export function parseDate(text: string): { time: number; offsetMinutes: number | null } | null {
  const match = DATE_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = match;
  const local = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.round(Number(`0.${fraction || 0}`) * 1000));
  const check = new Date(local);
  if (check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) return null;
  let offsetMinutes: number | null = null;
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.replace(":", "");
    offsetMinutes = (digits[0] === "-" ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  } else if (zone) offsetMinutes = 0;
  return { time: local - (offsetMinutes ?? 0) * 60_000, offsetMinutes };
}

/** "1234.5", "-3", "$1,234.50"; null if anything else. */
export function parseAmount(text: string): number | null {
  const cleaned = text
    .trim()
    .replace(/^([-+]?)[$€£¥]/, "$1")
    .replace(/,(?=\d{3}(\D|$))/g, "");
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return null;
  return Number(cleaned);
}

export function parseInput(text: string, format: InputFormat, options: InputOptions = {}): ParsedInput {
  if (text.trim() === "") throw new InputError(null, "the input file is empty");
  if (format === "shopify") return parseShopifyExport(text);
  const newline = text.indexOf("\n");
  const firstLine = (newline < 0 ? text : text.slice(0, newline)).trim();
  if (!firstLine.includes(",") && /^\S+(\s+\S+){2,4}$/.test(firstLine)) {
    if (options.orderIdColumn)
      throw new InputError(1, `--order-id "${options.orderIdColumn}": the CDNOW layout has no columns by name`);
    return parseCdnow(text);
  }
  return parseTransactionCsv(text, options);
}

/** `id date qty amount` or CDNOW's `master-id id date qty amount`, dates as YYYYMMDD. */
function parseCdnow(text: string): ParsedInput {
  const builder = new TransactionColumnsBuilder();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === "") continue;
    const tokens = line.split(/\s+/);
    if (tokens.length !== 4 && tokens.length !== 5)
      throw new InputError(index + 1, `expected "id date qty amount" (4 or 5 columns), found ${tokens.length}`);
    const [id, date, , amount] = tokens.length === 5 ? tokens.slice(1) : tokens;
    const parsedDate = /^\d{8}$/.test(date) ? parseDate(date) : null;
    if (!parsedDate) throw new InputError(index + 1, `unparsable date "${date}" (expected YYYYMMDD)`);
    const value = parseAmount(amount);
    if (value === null) throw new InputError(index + 1, `unparsable amount "${amount}"`);
    builder.add(id, parsedDate.time, value);
  }
  return {
    transactions: builder.build(),
    layout: "cdnow",
    currency: null,
    utcOffsetMinutes: 0,
    skipped: {},
    orderGrouping: null,
  };
}

const ID_COLUMNS = ["customer id", "customer_id", "customerid", "customer", "id", "email", "customer email"];
const DATE_COLUMNS = [
  "date",
  "order date",
  "order_date",
  "created at",
  "created_at",
  "processed at",
  "processed_at",
  "timestamp",
  "time",
];
const AMOUNT_COLUMNS = ["amount", "total", "value", "revenue", "order total", "total_price", "price"];
/** With one of these, rows sharing an order id are line items of one order. */
export const ORDER_ID_COLUMNS = [
  "order id",
  "order_id",
  "orderid",
  "order number",
  "order_number",
  "order name",
  "order_name",
  "order",
];
/** Amount columns that hold the order's total (repeated or on the first row only), not a line's amount. */
const ORDER_TOTAL_COLUMNS = ["total", "order total", "total_price"];

function findColumn(header: string[], candidates: string[]): number {
  const normalised = header.map((h) => h.trim().toLowerCase());
  for (const candidate of candidates) {
    const index = normalised.indexOf(candidate);
    if (index >= 0) return index;
  }
  return -1;
}

function parseTransactionCsv(text: string, options: InputOptions): ParsedInput {
  const records = readCsv(text);
  const header = records.next();
  if (header.done) throw new InputError(null, "the input file is empty");
  const columns = header.value.fields;
  const idColumn = findColumn(columns, ID_COLUMNS);
  const dateColumn = findColumn(columns, DATE_COLUMNS);
  const amountColumn = findColumn(columns, AMOUNT_COLUMNS);
  const currencyColumn = findColumn(columns, ["currency"]);
  const missing = [
    idColumn < 0 && `customer id (one of: ${ID_COLUMNS.join(", ")})`,
    dateColumn < 0 && `date (one of: ${DATE_COLUMNS.join(", ")})`,
    amountColumn < 0 && `amount (one of: ${AMOUNT_COLUMNS.join(", ")})`,
  ].filter(Boolean);
  if (missing.length > 0) throw new InputError(header.value.line, `missing column(s): ${missing.join("; ")}`);
  const orderColumn = options.orderIdColumn
    ? findColumn(columns, [options.orderIdColumn.trim().toLowerCase()])
    : findColumn(columns, ORDER_ID_COLUMNS);
  if (options.orderIdColumn && orderColumn < 0)
    throw new InputError(
      header.value.line,
      `--order-id: no column "${options.orderIdColumn}" (columns: ${columns.join(", ")})`,
    );
  if (orderColumn >= 0) {
    const amountIsOrderTotal = ORDER_TOTAL_COLUMNS.includes(columns[amountColumn].trim().toLowerCase());
    return parseLineItemCsv(
      records,
      { id: idColumn, date: dateColumn, amount: amountColumn, currency: currencyColumn, order: orderColumn },
      columns[orderColumn],
      amountIsOrderTotal,
    );
  }

  const builder = new TransactionColumnsBuilder();
  const currency = new CurrencyCheck();
  const timeZone = new TimeZoneGuess();
  const skipped: Record<string, number> = {};
  for (const record of records) {
    const id = field(record, idColumn).trim();
    if (id === "") {
      skipped["rows without a customer id"] = (skipped["rows without a customer id"] ?? 0) + 1;
      continue;
    }
    const date = parseDate(field(record, dateColumn));
    if (!date) throw new InputError(record.line, `unparsable date "${field(record, dateColumn)}"`);
    const amount = parseAmount(field(record, amountColumn));
    if (amount === null) throw new InputError(record.line, `unparsable amount "${field(record, amountColumn)}"`);
    if (currencyColumn >= 0) currency.check(field(record, currencyColumn), record.line);
    timeZone.observe(date.offsetMinutes);
    builder.add(id, date.time, amount);
  }
  if (builder.rowCount === 0) throw new InputError(null, "the input has a header but no transactions");
  return {
    transactions: builder.build(),
    layout: "csv",
    currency: currency.value,
    utcOffsetMinutes: timeZone.value,
    skipped,
    orderGrouping: null,
  };
}

interface PendingOrder {
  line: number;
  customerId: string;
  date: { time: number; offsetMinutes: number | null } | null;
  amount: number;
  hasAmount: boolean;
}

/**
 * Rows that share an order id are one order (a line-item export): the customer id and date
 * come from the first row that has them; amounts are summed, unless the amount column is an
 * order total (Total, Order Total, total_price), which is taken once. Rows without an order
 * id stay orders of their own.
 */
function parseLineItemCsv(
  records: Generator<CsvRecord>,
  column: { id: number; date: number; amount: number; currency: number; order: number },
  orderColumnName: string,
  amountIsOrderTotal: boolean,
): ParsedInput {
  const orders = new Map<string, PendingOrder>();
  const currency = new CurrencyCheck();
  let rows = 0;
  for (const record of records) {
    rows++;
    const orderId = field(record, column.order).trim();
    const key = orderId === "" ? `\u0000${record.line}` : orderId;
    let order = orders.get(key);
    if (!order) {
      order = { line: record.line, customerId: "", date: null, amount: 0, hasAmount: false };
      orders.set(key, order);
    }
    if (order.customerId === "") order.customerId = field(record, column.id).trim();
    const dateText = field(record, column.date).trim();
    if (order.date === null && dateText !== "") {
      order.date = parseDate(dateText);
      if (!order.date) throw new InputError(record.line, `unparsable date "${dateText}"`);
    }
    const amountText = field(record, column.amount).trim();
    if (amountText !== "" && !(amountIsOrderTotal && order.hasAmount)) {
      const amount = parseAmount(amountText);
      if (amount === null) throw new InputError(record.line, `unparsable amount "${amountText}"`);
      order.amount += amount;
      order.hasAmount = true;
    }
    if (column.currency >= 0) currency.check(field(record, column.currency), record.line);
  }

  const builder = new TransactionColumnsBuilder();
  const timeZone = new TimeZoneGuess();
  const skipped: Record<string, number> = {};
  for (const order of orders.values()) {
    if (order.customerId === "") {
      skipped["orders without a customer id"] = (skipped["orders without a customer id"] ?? 0) + 1;
      continue;
    }
    if (!order.date) throw new InputError(order.line, "order without a date");
    if (!order.hasAmount) throw new InputError(order.line, "order without an amount");
    timeZone.observe(order.date.offsetMinutes);
    builder.add(order.customerId, order.date.time, order.amount);
  }
  if (builder.rowCount === 0) throw new InputError(null, "the input has a header but no transactions");
  return {
    transactions: builder.build(),
    layout: "csv",
    currency: currency.value,
    utcOffsetMinutes: timeZone.value,
    skipped,
    orderGrouping: { column: orderColumnName, rows, orders: orders.size },
  };
}

interface ShopifyOrder {
  line: number;
  email: string;
  financialStatus: string;
  createdAt: string;
  paidAt: string;
  total: string;
  refunded: string;
  cancelledAt: string;
  currency: string;
}

/**
 * Shopify's order export has one row per line item; order-level fields (Email, Total,
 * Financial Status, dates…) are filled on the order's first row. Rows are grouped by Name.
 * Cancelled and voided orders are left out; refunds are netted (Total − Refunded Amount).
 */
function parseShopifyExport(text: string): ParsedInput {
  const records = readCsv(text);
  const header = records.next();
  if (header.done) throw new InputError(null, "the input file is empty");
  const columns = header.value.fields;
  const col = (name: string) => findColumn(columns, [name.toLowerCase()]);
  const index = {
    name: col("Name"),
    email: col("Email"),
    financialStatus: col("Financial Status"),
    paidAt: col("Paid at"),
    createdAt: col("Created at"),
    total: col("Total"),
    refunded: col("Refunded Amount"),
    cancelledAt: col("Cancelled at"),
    currency: col("Currency"),
  };
  const required = ["name", "email", "total", "createdAt"] as const;
  const missing = required.filter((key) => index[key] < 0);
  if (missing.length > 0) {
    const labels = { name: "Name", email: "Email", total: "Total", createdAt: "Created at" };
    throw new InputError(
      header.value.line,
      `not a Shopify orders export: missing column(s) ${missing.map((k) => labels[k]).join(", ")}`,
    );
  }

  const orders = new Map<string, ShopifyOrder>();
  for (const record of records) {
    const name = field(record, index.name).trim();
    if (name === "") throw new InputError(record.line, "row without an order Name");
    let order = orders.get(name);
    if (!order) {
      order = {
        line: record.line,
        email: "",
        financialStatus: "",
        createdAt: "",
        paidAt: "",
        total: "",
        refunded: "",
        cancelledAt: "",
        currency: "",
      };
      orders.set(name, order);
    }
    // Later line-item rows leave order fields blank: keep the first non-blank value.
    for (const key of [
      "email",
      "financialStatus",
      "createdAt",
      "paidAt",
      "total",
      "refunded",
      "cancelledAt",
      "currency",
    ] as const) {
      if (order[key] === "" && index[key] >= 0) order[key] = field(record, index[key]).trim();
    }
  }
  if (orders.size === 0) throw new InputError(null, "the export has a header but no orders");

  const builder = new TransactionColumnsBuilder();
  const currency = new CurrencyCheck();
  const timeZone = new TimeZoneGuess();
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  for (const order of orders.values()) {
    const status = order.financialStatus.toLowerCase();
    if (order.cancelledAt !== "") {
      skip("cancelled orders");
      continue;
    }
    if (status === "voided") {
      skip("voided orders");
      continue;
    }
    if (order.email === "") {
      skip("orders without a customer email");
      continue;
    }
    const dateText = order.createdAt || order.paidAt;
    const date = parseDate(dateText);
    if (!date) throw new InputError(order.line, `unparsable date "${dateText}"`);
    const total = parseAmount(order.total);
    if (total === null) throw new InputError(order.line, `unparsable Total "${order.total}"`);
    const refunded = order.refunded === "" ? 0 : parseAmount(order.refunded);
    if (refunded === null) throw new InputError(order.line, `unparsable Refunded Amount "${order.refunded}"`);
    if (status === "refunded" || total - refunded <= 0) {
      if (total > 0) {
        skip("fully refunded orders");
        continue;
      }
    }
    currency.check(order.currency, order.line);
    timeZone.observe(date.offsetMinutes);
    builder.add(order.email.toLowerCase(), date.time, total - refunded);
  }
  if (builder.rowCount === 0) throw new InputError(null, "no usable orders in the export");
  return {
    transactions: builder.build(),
    layout: "shopify",
    currency: currency.value,
    utcOffsetMinutes: timeZone.value,
    skipped,
    orderGrouping: null,
  };
}

function field(record: CsvRecord, column: number): string {
  return record.fields[column] ?? "";
}

/** The analysis adds amounts up, so every row must be in the same currency. */
class CurrencyCheck {
  value: string | null = null;
  private firstLine = 0;

  check(code: string, line: number): void {
    const currency = code.trim().toUpperCase();
    if (currency === "") return;
    if (this.value === null) {
      this.value = currency;
      this.firstLine = line;
    } else if (currency !== this.value) {
      throw new InputError(
        line,
        `mixed currencies: ${currency} here, ${this.value} on line ${this.firstLine}; convert to the shop currency first`,
      );
    }
  }
}

class TimeZoneGuess {
  value = 0;
  private seen = false;

  observe(offsetMinutes: number | null): void {
    if (!this.seen && offsetMinutes !== null) {
      this.value = offsetMinutes;
      this.seen = true;
    }
  }
}
