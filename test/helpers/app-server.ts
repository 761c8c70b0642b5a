import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { action as webhookAction } from "~/routes/webhooks.$";

// Serves the app's webhook route over real HTTP, so the emulator delivers webhooks to the same
// route module Remix serves in production (HMAC check, inbox, enqueue).

export interface AppServer {
  url: string;
  /** Fail the next n deliveries with this status (simulates an app outage). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(key, value);
  }
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
}

export async function startAppServer(): Promise<AppServer> {
  let failures = 0;
  let failureStatus = 503;
  let base = "";
  const server: Server = createServer(async (req, res) => {
    try {
      const request = await toRequest(req, base);
      if (!new URL(request.url).pathname.startsWith("/webhooks/")) {
        res.writeHead(404).end();
        return;
      }
      if (failures > 0) {
        failures--;
        res.writeHead(failureStatus).end();
        return;
      }
      const response = await webhookAction({ request, params: {}, context: {} });
      res.writeHead(response.status).end(await response.text());
    } catch (error) {
      console.error("app server: request failed:", error);
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    failNext(n, status = 503) {
      failures = n;
      failureStatus = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
