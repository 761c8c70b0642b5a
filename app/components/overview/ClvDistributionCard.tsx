import { BarChart } from "../charts/BarChart";
import { SectionCard } from "../SectionCard";
import { formatNumber } from "../format";

export interface ClvBucket {
  /** Upper edge of the bucket; null for the open-ended last one. */
  upTo: number | null;
  customers: number;
}

/** "< 10", "< 25", …; the open-ended last bucket starts where the one before it ends ("5,000+"). */
function bucketLabel(buckets: ClvBucket[], index: number): string {
  const { upTo } = buckets[index];
  if (upTo !== null) return `< ${formatNumber(upTo)}`;
  return `${formatNumber(buckets[index - 1]?.upTo ?? 0)}+`;
}

/** Customers by predicted lifetime value, in the shop's currency. */
export function ClvDistributionCard({ buckets, currency }: { buckets: ClvBucket[]; currency: string }) {
  return (
    <SectionCard title="Predicted customer lifetime value">
      <BarChart
        title={`Customers by predicted CLV (${currency})`}
        bars={buckets.map((bucket, index) => ({ label: bucketLabel(buckets, index), value: bucket.customers }))}
        format={formatNumber}
      />
    </SectionCard>
  );
}
