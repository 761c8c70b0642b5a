import { createHmac, randomUUID } from "node:crypto";

/** A webhook request exactly as Shopify sends it: raw JSON body signed with the app secret. */
export function signedWebhookRequest(options: {
  shop: string;
  topic: string;
  payload: unknown;
  secret?: string;
  webhookId?: string;
  eventId?: string;
  body?: string;
}): Request {
  const body = options.body ?? JSON.stringify(options.payload);
  const secret = options.secret ?? process.env.SHOPIFY_API_SECRET!;
  const hmac = createHmac("sha256", secret).update(body, "utf8").digest("base64");
  return new Request(`${process.env.SHOPIFY_APP_URL}/webhooks/${options.topic}`, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Topic": options.topic,
      "X-Shopify-Shop-Domain": options.shop,
      "X-Shopify-API-Version": "2026-07",
      "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
      "X-Shopify-Event-Id": options.eventId ?? randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}
