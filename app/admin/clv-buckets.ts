/** Upper edges of the overview's CLV histogram buckets, in shop currency (shared by SQL and chart). */
export const CLV_BUCKETS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000] as const;
