// Public entry point of the Shopify emulator (see README.md in this folder).
export { startEmulator, type Emulator, type EmulatorOptions } from "./server";
export {
  ShopStore,
  PLAN_THROTTLES,
  type ShopOptions,
  type PlanName,
  type ThrottleConfig,
  type CustomerSnapshot,
  type CustomerTotals,
  type MetaobjectRecord,
  type CollectionRecord,
  type ProductRecord,
  type AppSubscriptionRecord,
} from "./store";
export {
  ShopGenerator,
  orderTotalCents,
  orderCurrentTotalCents,
  orderRefundedCents,
  orderDiscountCents,
  orderChannel,
  type CustomerRecord,
  type OrderRecord,
  type LineItemRecord,
  type RefundRecord,
} from "./generator";
export { signWebhook, type DeliveryLogEntry, type WebhookFaults, type WebhookOptions } from "./webhooks";
export { signSessionToken, verifySessionToken } from "./auth";
export { loadAdminSchema, ensureAdminSchemaFile, API_VERSION } from "./schema";
export { gid, parseGid } from "./views";
