import type { ActionFunctionArgs } from "@remix-run/node";
import db from "~/db.server";
import { intakeQueues } from "~/queues.server";
import { authenticate, EXPIRING_OFFLINE_ACCESS_TOKENS, sessionStorage } from "~/shopify.server";
import { env } from "~/env.server";
import { createWebhookVerifier, type VerifiedWebhook } from "~/shopify/webhook-verify.server";
import { InboxBatcher } from "~/sync/inbox-batcher.server";
import { readLimitedBody, withBody } from "~/sync/webhook-body.server";

const inbox = new InboxBatcher(db, intakeQueues);
const verify = createWebhookVerifier({
  secret: env().shopifyApiSecret,
  loadSession: (id) => sessionStorage.loadSession(id),
  expiringOfflineAccessTokens: EXPIRING_OFFLINE_ACCESS_TOKENS,
});

// Every webhook topic (shopify.app.toml uses /webhooks/<topic>) lands here: verify the HMAC,
// store the delivery in the inbox, acknowledge. Applying it is the ingest queue's job, so the
// answer comes well within Shopify's 5-second limit whatever the payload, and whatever Redis does.
// A plain valid delivery is verified by the app's own equivalent of the library's check
// (webhook-verify.server.ts); every other request gets `authenticate.webhook`'s own answer.
export const action = async ({ request }: ActionFunctionArgs) => {
  const body = await readLimitedBody(request);
  if (body === "too large") return new Response("Payload too large", { status: 413 });
  let hook: VerifiedWebhook | undefined = await verify(request.method, request.headers, body);
  if (!hook) {
    try {
      const context = await authenticate.webhook(withBody(request, body));
      hook = { ...context, topic: String(context.topic) };
    } catch (error) {
      if (error instanceof Response) return error; // 401 on a bad HMAC, 405 on a wrong method
      return new Response("Malformed webhook", { status: 400 });
    }
  }

  await inbox.submit({
    shopDomain: hook.shop,
    topic: hook.topic,
    webhookId: hook.webhookId,
    eventId: hook.eventId,
    apiVersion: hook.apiVersion,
    triggeredAt: hook.triggeredAt,
    payload: hook.payload,
  });
  return new Response(null, { status: 200 });
};
