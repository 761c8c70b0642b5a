// What the analyze CLI writes: the per-customer CSV and the run summary (text or JSON).
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { CHURN_RISK_LEVELS, LIFECYCLE_STAGES, RFM_SEGMENTS, type ShopAnalysis } from "~/segmentation";
import type { ModelFitSummary } from "~/segmentation/analyze";
import type { FitWarning } from "~/segmentation/fit-diagnostics";

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const isoDay = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per customer; dates are shop-local days (as-of day arithmetic is per day). */
export async function writeCustomersCsv(analysis: ShopAnalysis, path: string): Promise<void> {
  const { customers, clusters, model } = analysis;
  const f = customers.features;
  const offsetMs = model.utcOffsetMinutes * 60_000;
  const localDay = (epochMs: number) => isoDay(epochMs + offsetMs);
  const horizon = model.predictionHorizonDays;
  const months = model.clvHorizonMonths;
  const header = [
    "customer_id",
    "first_order",
    "last_order",
    "orders",
    "purchase_days",
    "recency_days",
    "tenure_days",
    "total_spend",
    "average_order_value",
    "inter_purchase_days",
    "frequency",
    "recency",
    "T",
    "r",
    "f",
    "m",
    "rfm_segment",
    "cluster",
    "lifecycle",
    "churn_risk",
    "p_alive",
    `expected_orders_${horizon}d`,
    "expected_order_value",
    `clv_${months}m`,
    "next_order_date",
    "explanation",
  ];
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, "drain");
  };
  await write(header.join(",") + "\n");
  for (let c = 0; c < customers.count; c++) {
    const row = [
      csvField(customers.ids[c]),
      localDay(f.firstOrderAt[c]),
      localDay(f.lastOrderAt[c]),
      f.orders[c],
      f.purchaseDays[c],
      f.recencyDays[c],
      f.tenureDays[c],
      round(f.totalSpend[c], 2),
      round(f.averageOrderValue[c], 2),
      round(f.interPurchaseDays[c], 2),
      f.frequency[c],
      round(f.recency[c], 4),
      round(f.age[c], 4),
      customers.rfm.recency[c],
      customers.rfm.frequency[c],
      customers.rfm.monetary[c],
      RFM_SEGMENTS[customers.rfm.segment[c]].key,
      clusters[customers.cluster[c]]?.key ?? "",
      LIFECYCLE_STAGES[customers.lifecycle[c]].key,
      CHURN_RISK_LEVELS[customers.churnRiskLevel[c]].key,
      round(f.pAlive[c], 4),
      round(f.expectedOrders[c], 4),
      round(f.expectedOrderValue[c], 2),
      round(f.clv[c], 2),
      localDay(customers.nextOrderAt[c]),
      csvField(customers.explanations[c] ?? ""),
    ];
    await write(row.join(",") + "\n");
  }
  out.end();
  await once(out, "finish");
}

export interface RunSummary {
  asOf: string;
  customers: number;
  transactions: number;
  currency: string | null;
  skipped: Record<string, number>;
  orderGrouping: { column: string; rows: number; orders: number } | null;
  warnings: string[];
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number } | null;
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number } | null;
  /** Fitted and used only when the BG/NBD fit was unusable. */
  paretoNbd: { r: number; alpha: number; s: number; beta: number; logLikelihood: number } | null;
  /** Natural-scale standard errors of each model's estimate (null where undefined). */
  standardErrors: Record<string, Record<string, number | null> | null>;
  diagnostics: { warnings: FitWarning[]; fits: ModelFitSummary[] };
  periodUnit: string;
  fallbackReason: string | null;
  lapseDays: number;
  segments: { key: string; kind: string; name: string; size: number; revenue: number; averageClv: number }[];
  clusters: { key: string; name: string; description: string; size: number; centroid: Record<string, number> }[];
  silhouetteByK: Record<number, number>;
  cohorts: ShopAnalysis["cohorts"];
  timingsMs: Record<string, number>;
}

export function summarize(
  analysis: ShopAnalysis,
  input: { currency: string | null; skipped: Record<string, number>; orderGrouping?: RunSummary["orderGrouping"] },
): RunSummary {
  const { model } = analysis;
  return {
    asOf: analysis.asOfDay,
    customers: analysis.customers.count,
    transactions: analysis.diagnostics.transactions,
    currency: input.currency,
    skipped: input.skipped,
    orderGrouping: input.orderGrouping ?? null,
    warnings: analysis.diagnostics.warnings,
    bgnbd: model.bgnbd && {
      r: round(model.bgnbd.r, 6),
      alpha: round(model.bgnbd.alpha, 6),
      a: round(model.bgnbd.a, 6),
      b: round(model.bgnbd.b, 6),
      logLikelihood: round(model.bgnbd.logLikelihood, 4),
    },
    gammaGamma: model.gammaGamma && {
      p: round(model.gammaGamma.p, 6),
      q: round(model.gammaGamma.q, 6),
      gamma: round(model.gammaGamma.gamma, 6),
      logLikelihood: round(model.gammaGamma.logLikelihood, 4),
    },
    paretoNbd: model.paretoNbd
      ? {
          r: round(model.paretoNbd.r, 6),
          alpha: round(model.paretoNbd.alpha, 6),
          s: round(model.paretoNbd.s, 6),
          beta: round(model.paretoNbd.beta, 6),
          logLikelihood: round(model.paretoNbd.logLikelihood, 4),
        }
      : null,
    standardErrors: Object.fromEntries(
      analysis.diagnostics.modelFits.map((fit) => [
        modelKey(fit.model),
        fit.standardErrors &&
          Object.fromEntries(
            Object.entries(fit.standardErrors).map(([k, v]) => [
              k,
              Number.isFinite(v) ? Number(v.toPrecision(6)) : null,
            ]),
          ),
      ]),
    ),
    diagnostics: { warnings: analysis.diagnostics.modelWarnings, fits: analysis.diagnostics.modelFits },
    periodUnit: model.periodUnit,
    fallbackReason: model.fallbackReason,
    lapseDays: model.shop.lapseDays,
    segments: analysis.segments.map(({ key, kind, name, size, revenue, averageClv }) => ({
      key,
      kind,
      name,
      size,
      revenue,
      averageClv,
    })),
    clusters: analysis.clusters.map(({ key, name, description, size, centroid }) => ({
      key,
      name,
      description,
      size,
      centroid: Object.fromEntries(Object.entries(centroid).map(([k, v]) => [k, round(v, 2)])),
    })),
    silhouetteByK: Object.fromEntries(
      Object.entries(analysis.diagnostics.silhouetteByK).map(([k, v]) => [k, round(v, 4)]),
    ),
    cohorts: analysis.cohorts,
    timingsMs: Object.fromEntries(analysis.timings.map(({ stage, ms }) => [stage, Math.round(ms)])),
  };
}

function modelKey(model: FitWarning["model"]): string {
  return model === "BG/NBD" ? "bgnbd" : model === "Pareto/NBD" ? "paretoNbd" : "gammaGamma";
}

const withError = (value: number, error: number | null | undefined) =>
  error == null ? value.toFixed(4) : `${value.toFixed(4)}±${error.toPrecision(2)}`;

export function formatSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const money = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  lines.push(
    `As of ${summary.asOf}: ${summary.customers} customers, ${summary.transactions} transactions${summary.currency ? ` (${summary.currency})` : ""}`,
  );
  if (summary.orderGrouping) {
    const g = summary.orderGrouping;
    lines.push(`  ${g.rows} rows grouped into ${g.orders} orders by the "${g.column}" column`);
  }
  for (const [reason, count] of Object.entries(summary.skipped)) lines.push(`  skipped ${count} ${reason}`);
  for (const warning of summary.warnings) lines.push(`  note: ${warning}`);
  lines.push("");
  if (summary.bgnbd) {
    const p = summary.bgnbd;
    const e = summary.standardErrors.bgnbd ?? {};
    lines.push(
      `BG/NBD (per ${summary.periodUnit}): r=${withError(p.r, e.r)} alpha=${withError(p.alpha, e.alpha)} a=${withError(p.a, e.a)} b=${withError(p.b, e.b)} LL=${p.logLikelihood.toFixed(2)}`,
    );
  } else lines.push(`BG/NBD: not fitted (${summary.fallbackReason})`);
  if (summary.paretoNbd) {
    const p = summary.paretoNbd;
    const e = summary.standardErrors.paretoNbd ?? {};
    lines.push(
      `Pareto/NBD (per ${summary.periodUnit}): r=${withError(p.r, e.r)} alpha=${withError(p.alpha, e.alpha)} s=${withError(p.s, e.s)} beta=${withError(p.beta, e.beta)} LL=${p.logLikelihood.toFixed(2)}`,
    );
  }
  if (summary.gammaGamma) {
    const g = summary.gammaGamma;
    const e = summary.standardErrors.gammaGamma ?? {};
    lines.push(
      `Gamma-Gamma: p=${withError(g.p, e.p)} q=${withError(g.q, e.q)} gamma=${withError(g.gamma, e.gamma)} LL=${g.logLikelihood.toFixed(2)}`,
    );
  } else lines.push("Gamma-Gamma: not fitted");
  lines.push(`Lapse window: ${summary.lapseDays} days`);
  lines.push("");
  let kind = "";
  for (const s of summary.segments) {
    if (s.kind !== kind) {
      kind = s.kind;
      lines.push(`${kind} segments:`);
    }
    if (s.size === 0) continue;
    lines.push(
      `  ${s.name.padEnd(22)} ${String(s.size).padStart(8)} customers  revenue ${money(s.revenue).padStart(12)}  avg CLV ${s.averageClv.toFixed(2)}`,
    );
  }
  lines.push("");
  lines.push(
    `Clusters (silhouette by k: ${Object.entries(summary.silhouetteByK)
      .map(([k, v]) => `${k}:${v}`)
      .join(" ")}):`,
  );
  for (const c of summary.clusters)
    lines.push(`  ${c.key.padEnd(10)} ${String(c.size).padStart(8)}  ${c.name} (${c.description})`);
  return lines.join("\n");
}
