// The analyze CLI's backtest report: the holdout metrics, deciles, label repurchase shares,
// measured label cut-offs and the data-sufficiency verdict, as JSON and as a text table.
import type { BacktestMetrics, BacktestResult, ModelChoice } from "~/segmentation/backtest";
import type { SufficiencyVerdict } from "~/segmentation/data-sufficiency";
import type { MeasuredThresholds } from "~/segmentation/label-thresholds";

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));

function roundMetrics(m: BacktestMetrics) {
  return {
    predictedTotal: round(m.predictedTotal, 1),
    actualTotal: m.actualTotal,
    totalErrorPercent: roundOrNull(m.totalErrorPercent, 1),
    meanAbsoluteError: round(m.meanAbsoluteError, 4),
    rootMeanSquaredError: round(m.rootMeanSquaredError, 4),
    correlation: roundOrNull(m.correlation, 4),
  };
}

export type BacktestSummary = ReturnType<typeof summarizeBacktest>;

export function summarizeBacktest(
  backtest: BacktestResult,
  sufficiency: SufficiencyVerdict,
  thresholds: MeasuredThresholds,
) {
  return {
    asOf: backtest.asOfDay,
    cutoff: backtest.cutoffDay,
    horizonDays: backtest.horizonDays,
    periodUnit: backtest.periodUnit,
    firstOrderDay: backtest.firstOrderDay,
    historyDays: backtest.historyDays,
    calibration: backtest.calibration,
    window: backtest.window,
    models: backtest.models.map((m) => ({
      name: m.name,
      label: m.label,
      fitted: m.fitted,
      reason: m.reason,
      params: m.params && Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, round(v, 6)])),
      metrics: m.metrics && roundMetrics(m.metrics),
      deciles: m.deciles.map((d) => ({
        decile: d.decile,
        customers: d.customers,
        meanPredicted: round(d.meanPredicted, 4),
        observedShare: round(d.observedShare, 4),
      })),
      fitMs: Math.round(m.fitMs),
      predictMs: Math.round(m.predictMs),
    })),
    baselines: backtest.baselines.map((b) => ({
      name: b.name,
      description: b.description,
      metrics: roundMetrics(b.metrics),
    })),
    choice: backtest.choice,
    labelModel: backtest.labelModel,
    lapseDays: backtest.lifecycle.lapseDays,
    labels: backtest.labels
      .filter((l) => l.members > 0)
      .map((l) => ({
        ...l,
        boughtShare: roundOrNull(l.boughtShare, 4),
        meanPredicted: roundOrNull(l.meanPredicted, 4),
      })),
    measuredThresholds: thresholds,
    sufficiency,
    timingsMs: Object.fromEntries(backtest.timings.map(({ stage, ms }) => [stage, Math.round(ms)])),
  };
}

const count = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 1 });
const pct = (v: number | null, digits = 1) => (v === null ? "n/a" : `${(v * 100).toFixed(digits)} %`);
const signedPct = (v: number | null) => (v === null ? "n/a" : `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)} %`);
const fixed = (v: number | null, digits: number) => (v === null ? "n/a" : v.toFixed(digits));

export function formatBacktest(summary: BacktestSummary, choice: ModelChoice = summary.choice): string {
  const lines: string[] = [];
  lines.push(
    `Backtest: fit on orders up to ${summary.cutoff}, predict the ${summary.horizonDays} days to ${summary.asOf} (BG/NBD unit: ${summary.periodUnit})`,
  );
  lines.push(
    `  ${count(summary.calibration.customers)} customers by the cutoff (${count(summary.calibration.repeatCustomers)} repeat); ` +
      `in the window ${count(summary.window.customersBuying)} of them bought, ${count(summary.window.repeatPurchases)} purchase days; ` +
      `${count(summary.window.newCustomers)} new customers (not predicted)`,
  );
  lines.push("");
  const width = Math.max(
    22,
    ...summary.models.map((m) => m.label.length),
    ...summary.baselines.map((b) => b.name.length + 6),
  );
  lines.push(
    `  ${"model".padEnd(width)} ${"corr".padStart(6)} ${"MAE".padStart(7)} ${"RMSE".padStart(7)} ${"predicted".padStart(11)} ${"actual".padStart(9)} ${"total error".padStart(12)}`,
  );
  const row = (name: string, m: ReturnType<typeof roundMetrics>) =>
    `  ${name.padEnd(width)} ${fixed(m.correlation, 3).padStart(6)} ${m.meanAbsoluteError.toFixed(3).padStart(7)} ${m.rootMeanSquaredError.toFixed(3).padStart(7)} ` +
    `${count(m.predictedTotal).padStart(11)} ${count(m.actualTotal).padStart(9)} ${signedPct(m.totalErrorPercent).padStart(12)}`;
  for (const m of summary.models)
    lines.push(m.metrics ? row(m.label, m.metrics) : `  ${m.label.padEnd(width)} not fitted: ${m.reason}`);
  for (const b of summary.baselines) lines.push(row(`naive ${b.name}`, b.metrics));
  lines.push(`  Model choice: ${choice.reason}`);

  for (const m of summary.models) {
    if (m.deciles.length === 0) continue;
    lines.push("");
    lines.push(`  ${m.label}: P(order within ${summary.horizonDays} days) by decile, predicted vs observed`);
    for (const d of m.deciles)
      lines.push(
        `    ${String(d.decile).padStart(2)}  ${count(d.customers).padStart(9)} customers  ${pct(d.meanPredicted).padStart(7)}  vs ${pct(d.observedShare).padStart(7)}`,
      );
  }

  lines.push("");
  lines.push(
    `  Labels on ${summary.cutoff} (from ${summary.labelModel}, lapse window ${summary.lapseDays} days): share who bought in the window`,
  );
  for (const l of summary.labels) {
    lines.push(
      `    ${`${l.name} (${l.kind})`.padEnd(34)} ${count(l.members).padStart(9)} customers  bought ${pct(l.boughtShare).padStart(7)}  predicted ${pct(l.meanPredicted).padStart(7)}`,
    );
  }

  lines.push("");
  lines.push(
    `  Measured label cut-offs (target: at most ${pct(summary.measuredThresholds.targetRate, 0)} buy again within ${summary.horizonDays} days):`,
  );
  for (const t of summary.measuredThresholds.labels) lines.push(`    ${t.note}`);

  lines.push("");
  const verdict = summary.sufficiency;
  lines.push(
    `  Data sufficiency: ${verdict.sufficient ? "enough history for trustworthy predictions" : "not enough for trustworthy predictions"}`,
  );
  for (const reason of verdict.reasons) lines.push(`    - ${reason}`);
  if (verdict.predictionsStartOn)
    lines.push(
      `    Predictions can start on ${verdict.predictionsStartOn}, when the history reaches ${verdict.neededHistoryDays} days.`,
    );
  lines.push(
    `  Timing (ms): ${Object.entries(summary.timingsMs)
      .map(([stage, ms]) => `${stage} ${ms}`)
      .join(", ")}`,
  );
  return lines.join("\n");
}
