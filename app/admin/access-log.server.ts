import type { Prisma } from "~/generated/prisma/client";
import { db, type ShopContext } from "./admin-shop.server";

// The access log of customers' personal data (Shopify's protected customer data requirements):
// every admin view or export of it is recorded with the staff user of the session token, what
// was accessed and when, and the merchant sees the recent entries in Settings.

/** What was accessed. The KPI export is not logged: its rows are per-period totals, no customer in them. */
export type AccessAction = "customer.view" | "segment.members.view" | "segment.export";

export const ACCESS_ACTION_LABELS: Record<AccessAction, string> = {
  "customer.view": "Viewed a customer",
  "segment.members.view": "Viewed a segment's members",
  "segment.export": "Exported a segment's members (CSV)",
};

/** The staff user of an admin request: the session token's `sub` (Shopify's user id), if any. */
export function staffUserOf(sessionToken: { sub?: unknown } | undefined): string | null {
  const sub = sessionToken?.sub;
  return typeof sub === "string" && sub !== "" ? sub : null;
}

export async function recordAccess(
  shop: ShopContext,
  userId: string | null,
  action: AccessAction,
  subject: string,
  detail?: Prisma.InputJsonObject,
): Promise<void> {
  await db.accessLogEntry.create({ data: { shopId: shop.id, userId, action, subject, detail } });
}

export interface AccessLogRow {
  at: string;
  userId: string | null;
  action: AccessAction;
  what: string;
  subject: string;
}

/** The shop's most recent entries, newest first. */
export async function recentAccess(shop: ShopContext, limit = 50): Promise<AccessLogRow[]> {
  const rows = await db.accessLogEntry.findMany({
    where: { shopId: shop.id },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map((row) => ({
    at: row.at.toISOString(),
    userId: row.userId,
    action: row.action as AccessAction,
    what: ACCESS_ACTION_LABELS[row.action as AccessAction] ?? row.action,
    subject: row.subject,
  }));
}
