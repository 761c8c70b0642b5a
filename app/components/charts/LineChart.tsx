import { BlockStack, InlineStack, Text } from "@shopify/polaris";
import { AXIS_TEXT, GRID_LINE, SERIES_COLOURS } from "./colours";

// Series over time as SVG lines with a legend. Points are spaced by time, not by index.

export interface LineSeries {
  name: string;
  points: { at: string; value: number }[];
}

export interface LineChartProps {
  title: string;
  series: LineSeries[];
  format: (value: number) => string;
  height?: number;
}

export function LineChart({ title, series, format, height = 220 }: LineChartProps) {
  const width = 600;
  const pad = { left: 56, right: 12, top: 12, bottom: 28 };
  const times = series.flatMap((s) => s.points.map((p) => Date.parse(p.at)));
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const top = Math.max(1, ...values);
  const x = (t: number) =>
    pad.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right) : (width - pad.left - pad.right) / 2);
  const y = (v: number) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const day = (t: number) =>
    new Date(t).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
  const latest = series.map((s) => `${s.name} ${format(s.points[s.points.length - 1]?.value ?? 0)}`).join(", ");

  return (
    <BlockStack gap="200">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${title}. Latest: ${latest}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={pad.left} x2={width - pad.right} y1={y(top * f)} y2={y(top * f)} stroke={GRID_LINE} />
            <text x={pad.left - 6} y={y(top * f) + 4} textAnchor="end" fontSize={11} fill={AXIS_TEXT}>
              {format(top * f)}
            </text>
          </g>
        ))}
        {Number.isFinite(t0) && (
          <>
            <text x={pad.left} y={height - 8} fontSize={11} fill={AXIS_TEXT}>
              {day(t0)}
            </text>
            <text x={width - pad.right} y={height - 8} textAnchor="end" fontSize={11} fill={AXIS_TEXT}>
              {day(t1)}
            </text>
          </>
        )}
        {series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={SERIES_COLOURS[i % SERIES_COLOURS.length]}
            strokeWidth={2}
            points={s.points.map((p) => `${x(Date.parse(p.at))},${y(p.value)}`).join(" ")}
          />
        ))}
      </svg>
      <InlineStack gap="300">
        {series.map((s, i) => (
          <InlineStack key={s.name} gap="100" blockAlign="center">
            <span
              aria-hidden
              style={{
                width: 12,
                height: 3,
                background: SERIES_COLOURS[i % SERIES_COLOURS.length],
                display: "inline-block",
              }}
            />
            <Text as="span" variant="bodySm">
              {s.name}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
      <Text as="p" variant="bodySm" tone="subdued">
        {title}
      </Text>
    </BlockStack>
  );
}
