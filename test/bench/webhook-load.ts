// The load generator for the webhook-intake benchmark, run as its own process (as a real
// client would be): signed orders/create deliveries, each with a fresh event id.
import { createHmac, randomUUID } from "node:crypto";
import autocannon from "autocannon";

const [url, shop, secret, seconds = "10", connections = "50"] = process.argv.slice(2);
const body = JSON.stringify({
  id: 820982911946154500,
  admin_graphql_api_id: "gid://shopify/Order/820982911946154500",
  total_price: "84.20",
});
const hmac = createHmac("sha256", secret).update(body).digest("base64");

const result = await autocannon({
  url: `${url}/webhooks/orders/create`,
  method: "POST",
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      setupRequest: (request) => ({
        ...request,
        body,
        headers: {
          "content-type": "application/json",
          "x-shopify-hmac-sha256": hmac,
          "x-shopify-topic": "orders/create",
          "x-shopify-shop-domain": shop,
          "x-shopify-api-version": "2026-07",
          "x-shopify-webhook-id": randomUUID(),
          "x-shopify-event-id": randomUUID(),
        },
      }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  })}\n`,
);
