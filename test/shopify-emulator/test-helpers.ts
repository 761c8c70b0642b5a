// Helpers for tests that talk to the emulator over real HTTP: an Admin GraphQL client that
// addresses a shop the way the app does, and a stand-in app that records webhook deliveries.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "./server";

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: {
    cost: {
      requestedQueryCost: number;
      actualQueryCost: number | null;
      throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
    };
  };
}

/** Posts a document to the shop's Admin GraphQL endpoint, as the app's rewritten fetch does. */
export async function adminGraphQL<T = Record<string, unknown>>(
  emulator: Emulator,
  shop: string,
  query: string,
  variables: Record<string, unknown> = {},
  accessToken = emulator.accessToken(shop),
): Promise<GraphQLResult<T>> {
  const response = await fetch(`${emulator.origin}/admin/api/${emulator.apiVersion}/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": shop, "X-Shopify-Access-Token": accessToken },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResult<T>, "status">;
  return { status: response.status, ...body };
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A fake app: records every POST and answers with `respond(request, index)` (default 200). */
export async function startWebhookReceiver(
  respond: (request: ReceivedWebhook, index: number) => number | Promise<number> = () => 200,
) {
  const received: ReceivedWebhook[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      path: req.url ?? "/",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: Date.now(),
    };
    received.push(request);
    const status = await respond(request, received.length - 1);
    if (!res.destroyed) res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const TEST_APP = { apiKey: "emulator-test-key", apiSecret: "emulator-test-secret" } as const;

/** Every topic the app may subscribe to, mapped to /webhooks/<topic>. */
export const ALL_TOPICS = Object.fromEntries(
  [
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "orders/delete",
    "refunds/create",
    "customers/create",
    "customers/update",
    "customers/delete",
    "app/uninstalled",
    "bulk_operations/finish",
    "customers/redact",
    "customers/data_request",
    "shop/redact",
  ].map((topic) => [topic, `/webhooks/${topic}`]),
);

/** The first item of an iterable (e.g. `first(store.customers())`); throws if it is empty. */
export function first<T>(items: Iterable<T>): T {
  for (const item of items) return item;
  throw new Error("expected at least one item");
}
