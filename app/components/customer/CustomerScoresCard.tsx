import { InlineGrid } from "@shopify/polaris";
import type { CustomerDetail } from "~/admin/customers.server";
import { SectionCard } from "../SectionCard";
import { Stat } from "../Stat";
import { formatDate, formatMoneyOrDash, formatNumber, formatPercentOrDash, formatShare } from "../format";

/** "Coffee (62 % of spend)": a top category and its share of the customer's net spend. */
function topCategory(name: string | null, spend: number | null, total: number): string {
  if (!name || spend === null) return "–";
  return total > 0 ? `${name} (${formatShare(spend, total)} of spend)` : name;
}

/** The customer's RFM scores, predictions and lifecycle stage from the newest compute run. */
export function CustomerScoresCard({
  score,
  currency,
}: {
  score: NonNullable<CustomerDetail["score"]>;
  currency: string;
}) {
  return (
    <SectionCard title="Scores">
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
        <Stat label="RFM (recency, frequency, monetary)" value={`${score.r} · ${score.f} · ${score.m}`} />
        <Stat label="Probability still active" value={formatPercentOrDash(score.pAlive, 0)} />
        <Stat label="Churn risk" value={formatPercentOrDash(score.churnRisk, 0)} />
        <Stat label="Predicted lifetime value" value={formatMoneyOrDash(score.clv, currency)} />
        <Stat label="Expected orders" value={score.expectedOrders === null ? "–" : score.expectedOrders.toFixed(1)} />
        <Stat label="Predicted next order" value={formatDate(score.nextOrderAt)} />
        <Stat label="Expected order value" value={formatMoneyOrDash(score.expectedAov, currency)} />
        <Stat label="Lifecycle" value={score.lifecycleName ?? "–"} />
        <Stat label="Cluster" value={score.clusterName ?? "–"} />
        <Stat
          label="Top product type"
          value={topCategory(score.topProductType, score.topProductTypeSpend, score.totalSpent)}
        />
        <Stat label="Top vendor" value={topCategory(score.topVendor, score.topVendorSpend, score.totalSpent)} />
        <Stat
          label="Top collection"
          value={topCategory(score.topCollection, score.topCollectionSpend, score.totalSpent)}
        />
        <Stat
          label="Days since last order"
          value={score.recencyDays === null ? "–" : formatNumber(score.recencyDays)}
        />
      </InlineGrid>
    </SectionCard>
  );
}
