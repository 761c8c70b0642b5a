import type { ActionFunctionArgs } from "@remix-run/node";
import db from "~/db.server";
import { intakeQueues } from "~/queues.server";
import { authenticate } from "~/shopify.server";
import { InboxBatcher } from "~/sync/inbox-batcher.server";
import { withLimitedBody } from "~/sync/webhook-body.server";

const inbox = new InboxBatcher(db, intakeQueues);

// Every webhook topic (shopify.app.toml uses /webhooks/<topic>) lands here: verify the HMAC,
// store the delivery in the inbox, acknowledge. Applying it is the ingest queue's job, so the
// answer comes well within Shopify's 5-second limit whatever the payload, and whatever Redis does.
export const action = async ({ request: incoming }: ActionFunctionArgs) => {
  const request = await withLimitedBody(incoming);
  if (!request) return new Response("Payload too large", { status: 413 });
  let hook;
  try {
    hook = await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) return error; // 401 on a bad HMAC, 405 on a wrong method
    return new Response("Malformed webhook", { status: 400 });
  }

  await inbox.submit({
    shopDomain: hook.shop,
    topic: String(hook.topic),
    webhookId: hook.webhookId,
    eventId: hook.eventId,
    apiVersion: hook.apiVersion,
    triggeredAt: hook.triggeredAt,
    payload: hook.payload,
  });
  return new Response(null, { status: 200 });
};
