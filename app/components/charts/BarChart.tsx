import { BlockStack, Text } from "@shopify/polaris";
import { AXIS_TEXT, BAR_FILL } from "./colours";

// Vertical bars in SVG with the values printed above them; the SVG is labelled as one image
// and the numbers stay readable as text.

export interface BarChartProps {
  title: string;
  bars: { label: string; value: number }[];
  format: (value: number) => string;
  height?: number;
}

export function BarChart({ title, bars, format, height = 180 }: BarChartProps) {
  const width = 600;
  const top = Math.max(1, ...bars.map((b) => b.value));
  const slot = width / Math.max(1, bars.length);
  const plot = height - 40;
  const summary = bars.map((b) => `${b.label}: ${format(b.value)}`).join(", ");
  return (
    <BlockStack gap="200">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${title}. ${summary}`}>
        {bars.map((bar, i) => {
          const h = (bar.value / top) * (plot - 16);
          const x = i * slot + slot * 0.15;
          return (
            <g key={bar.label}>
              <rect x={x} y={plot - h} width={slot * 0.7} height={Math.max(h, 1)} rx={3} fill={BAR_FILL} />
              <text x={x + slot * 0.35} y={plot - h - 4} textAnchor="middle" fontSize={11} fill={AXIS_TEXT}>
                {format(bar.value)}
              </text>
              <text x={x + slot * 0.35} y={height - 20} textAnchor="middle" fontSize={11} fill={AXIS_TEXT}>
                {bar.label}
              </text>
            </g>
          );
        })}
      </svg>
      <Text as="p" variant="bodySm" tone="subdued">
        {title}
      </Text>
    </BlockStack>
  );
}
