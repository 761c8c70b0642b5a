import { Text } from "@shopify/polaris";
import { HeatMapTable } from "../charts/HeatMapTable";
import { SectionCard } from "../SectionCard";
import { formatMoney, formatNumber } from "../format";

export interface RfmGridCell {
  /** Recency score and combined frequency–monetary score, 1 to 5 each. */
  r: number;
  fm: number;
  customers: number;
}

const SCORES = [1, 2, 3, 4, 5];

/** Customers per recency × frequency–monetary score, most recent row first. */
export function RfmGridCard({ grid, revenue, currency }: { grid: RfmGridCell[]; revenue: number; currency: string }) {
  const customers = (r: number, fm: number) => grid.find((cell) => cell.r === r && cell.fm === fm)?.customers ?? 0;
  return (
    <SectionCard title="RFM grid">
      <HeatMapTable
        caption="Customers by recency score (rows, 5 = most recent) and frequency–monetary score (columns, 5 = buys most)"
        columnHeader="Recency / FM"
        columns={SCORES.map(String)}
        rows={[...SCORES].reverse().map((r) => ({ label: `R ${r}`, cells: SCORES.map((fm) => customers(r, fm)) }))}
        format={formatNumber}
      />
      <Text as="p" variant="bodySm" tone="subdued">
        Total revenue of scored customers: {formatMoney(revenue, currency)}
      </Text>
    </SectionCard>
  );
}
