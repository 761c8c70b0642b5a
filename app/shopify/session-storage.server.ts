import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import type { Db } from "~/db.server";
import type { Session as SessionRow } from "~/generated/prisma/client";

// Shopify's Prisma session storage package still declares Prisma 6 as its peer, so we keep
// the same table shape and implement the five-method interface ourselves.
//
// Every webhook makes the library load the shop's offline session, so under a burst the same
// row is read thousands of times a second. Rows are kept for `cacheMs` per process; this
// process's own writes and deletes drop them at once, another process's within `cacheMs`.
export class PrismaSessionStorage implements SessionStorage {
  private readonly cache = new Map<string, { row: SessionRow | null; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 2_000,
  ) {}

  async storeSession(session: Session): Promise<boolean> {
    const row = toRow(session);
    this.cache.delete(session.id);
    await this.db.session.upsert({ where: { id: session.id }, create: row, update: row });
    return true;
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const cached = this.cache.get(id);
    let row: SessionRow | null;
    if (cached && Date.now() - cached.at < this.cacheMs) row = cached.row;
    else {
      row = await this.db.session.findUnique({ where: { id } });
      this.cache.set(id, { row, at: Date.now() });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return row ? fromRow(row) : undefined;
  }

  async deleteSession(id: string): Promise<boolean> {
    return this.deleteSessions([id]);
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    for (const id of ids) this.cache.delete(id);
    await this.db.session.deleteMany({ where: { id: { in: ids } } });
    return true;
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const rows = await this.db.session.findMany({ where: { shop }, take: 25, orderBy: { expires: "desc" } });
    return rows.map(fromRow);
  }
}

function toRow(session: Session): SessionRow {
  const user = session.onlineAccessInfo?.associated_user;
  return {
    id: session.id,
    shop: session.shop,
    state: session.state,
    isOnline: session.isOnline,
    scope: session.scope ?? null,
    expires: session.expires ?? null,
    accessToken: session.accessToken ?? "",
    userId: user?.id != null ? BigInt(user.id) : null,
    firstName: user?.first_name ?? null,
    lastName: user?.last_name ?? null,
    email: user?.email ?? null,
    accountOwner: user?.account_owner ?? false,
    locale: user?.locale ?? null,
    collaborator: user?.collaborator ?? false,
    emailVerified: user?.email_verified ?? false,
    refreshToken: session.refreshToken ?? null,
    refreshTokenExpires: session.refreshTokenExpires ?? null,
  };
}

function fromRow(row: SessionRow): Session {
  const session = new Session({
    id: row.id,
    shop: row.shop,
    state: row.state,
    isOnline: row.isOnline,
    scope: row.scope ?? undefined,
    expires: row.expires ?? undefined,
    accessToken: row.accessToken,
    refreshToken: row.refreshToken ?? undefined,
    refreshTokenExpires: row.refreshTokenExpires ?? undefined,
  });
  if (row.userId != null) {
    session.onlineAccessInfo = {
      expires_in: 0,
      associated_user_scope: row.scope ?? "",
      associated_user: {
        id: Number(row.userId),
        first_name: row.firstName ?? "",
        last_name: row.lastName ?? "",
        email: row.email ?? "",
        account_owner: row.accountOwner,
        locale: row.locale ?? "",
        collaborator: row.collaborator ?? false,
        email_verified: row.emailVerified ?? false,
      },
    };
  }
  return session;
}
