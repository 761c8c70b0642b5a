import { RFM_SEGMENTS } from "~/segmentation";
import { customerDetail } from "./customers.server";
import { jobDataDb } from "./job-data-db.server";
import { notFound, type ShopContext } from "./admin-shop.server";

// What the customer details block (extensions/customer-scores-block) shows on Shopify's own
// customer page: the customer's segments and scores with the reasons, as a compact JSON answer.
// It is the customer page's read model (customerDetail), looked up by the Shopify customer the
// admin names, and scoped to the shop of the session token like every admin read.

/** At most this many reasons: the block is a summary, the app's customer page has them all. */
const MAX_REASONS = 9;

/** The answer of GET /api/customer-block?customerId=gid://shopify/Customer/N. */
export interface CustomerBlock {
  /** The app's page for this customer, relative to the app's URL (the block links to it with `app:`). */
  appPath: string;
  currency: string;
  /** When the scores were computed (ISO 8601); null until the customer is scored. */
  computedAt: string | null;
  /** The segments the customer is in; `control` = held out of the segment's tag as its control group. */
  segments: { key: string; name: string; kind: string | null; control: boolean }[];
  /** RFM quintile scores (1–5) and the named RFM segment; null until scored. */
  rfm: { r: number; f: number; m: number; segmentKey: string; segment: string } | null;
  /** Probability the customer is still active (0–1). */
  pAlive: number | null;
  churnRisk: number | null;
  /** Predicted customer lifetime value, shop currency. */
  clv: number | null;
  /** When the customer is expected to order next (ISO 8601), null when no order is expected. */
  nextOrderAt: string | null;
  /** The one-line "why here" summary of the scoring. */
  why: string | null;
  /** Each score with its reason in words, as on the app's customer page. */
  reasons: { score: string; label: string; value: string; because: string }[];
  /** Remarks about the customer or the model (heuristic in use, scores the model does not reproduce). */
  notes: string[];
}

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,18})$/;

/** The numeric id in a Shopify customer GID; anything else is simply not found. */
export function parseCustomerGid(value: string | null | undefined): bigint {
  const match = value ? CUSTOMER_GID.exec(value) : null;
  if (!match) throw notFound("Customer not found");
  return BigInt(match[1]);
}

/** The block's data for the Shopify customer `customerGid` of `shop`; 404 when the shop has no such customer. */
export async function customerBlock(shop: ShopContext, customerGid: string | null): Promise<CustomerBlock> {
  const shopifyId = parseCustomerGid(customerGid);
  const row = await jobDataDb().customer.findFirst({
    where: { shopId: shop.id, shopifyId, deletedAt: null },
    select: { id: true },
  });
  if (!row) throw notFound("Customer not found");
  const detail = await customerDetail(shop, row.id.toString());
  const { score, why } = detail;
  return {
    appPath: `/app/customers/${detail.customer.id}`,
    currency: shop.currency,
    computedAt: score?.computedAt ?? null,
    segments: detail.memberships.map(({ key, name, kind, control }) => ({ key, name, kind, control })),
    rfm: score
      ? {
          r: score.r,
          f: score.f,
          m: score.m,
          segmentKey: score.rfmSegment,
          segment: RFM_SEGMENTS.find((s) => s.key === score.rfmSegment)?.name ?? score.rfmSegment,
        }
      : null,
    pAlive: score?.pAlive ?? null,
    churnRisk: score?.churnRisk ?? null,
    clv: score?.clv ?? null,
    nextOrderAt: score?.nextOrderAt ?? null,
    why: score?.explanation || null,
    reasons: (why?.lines ?? [])
      .slice(0, MAX_REASONS)
      .map(({ score: name, label, value, because }) => ({ score: name, label, value, because })),
    notes: why?.notes ?? [],
  };
}
