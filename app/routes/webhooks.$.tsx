import type { ActionFunctionArgs } from "@remix-run/node";
import db from "~/db.server";
import { queues } from "~/queues.server";
import { authenticate } from "~/shopify.server";
import { enqueueIngest, storeWebhook } from "~/sync/inbox.server";

// Every webhook topic (shopify.app.toml uses /webhooks/<topic>) lands here: verify the HMAC,
// store the delivery in the inbox, acknowledge. Applying it is the ingest queue's job, so the
// answer comes well within Shopify's 5-second limit whatever the payload.
export const action = async ({ request }: ActionFunctionArgs) => {
  let hook;
  try {
    hook = await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) return error; // 401 on a bad HMAC, 405 on a wrong method
    return new Response("Malformed webhook", { status: 400 });
  }

  const id = await storeWebhook(db, {
    shopDomain: hook.shop,
    topic: String(hook.topic),
    webhookId: hook.webhookId,
    eventId: hook.eventId,
    apiVersion: hook.apiVersion,
    triggeredAt: hook.triggeredAt,
    payload: hook.payload,
  });
  if (id !== undefined) {
    // Stored is what counts: if Redis is unreachable the sweeper picks the row up later.
    await enqueueIngest(queues(), id).catch((error: Error) =>
      console.warn(`webhook ${id} stored but not queued (${error.message}); the sweeper will queue it`),
    );
  }
  return new Response(null, { status: 200 });
};
