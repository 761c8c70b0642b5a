import { describe, expect, it } from "vitest";
import {
  consentFromWebhook,
  customerFromBulk,
  customerFromWebhook,
  orderFromBulk,
  orderFromWebhook,
  RecordError,
} from "~/sync/parse-payload";
import { channelOf } from "~/segmentation/signals";

// The signal fields as Shopify sends them: REST webhook payloads and GraphQL bulk lines, parsed
// to the same rows; what a payload leaves out is kept, what it clears is cleared; malformed
// consent is a RecordError (recorded once, never retried).

const order = {
  id: 5200000001234,
  updated_at: "2026-10-30T10:00:00-04:00",
  processed_at: "2026-10-30T10:00:00-04:00",
  total_price: "45.00",
  currency: "USD",
  line_items: [],
};

describe("signal payloads", () => {
  it("reads discounts and the channel from REST orders and GraphQL bulk orders alike", () => {
    const rest = orderFromWebhook({
      ...order,
      source_name: "pos",
      discount_codes: [
        { code: "SPRING20", amount: "9.00", type: "percentage" },
        { code: "", amount: "0.00", type: "fixed_amount" },
      ],
      total_discounts: "9.00",
    });
    expect([rest.discountCodes, rest.totalDiscounts, rest.sourceName, rest.channel]).toEqual([
      ["SPRING20"],
      "9.00",
      "pos",
      "pos",
    ]);
    const bulk = orderFromBulk(
      {
        id: "gid://shopify/Order/5200000001234",
        updatedAt: "2026-10-30T14:00:00Z",
        processedAt: "2026-10-30T14:00:00Z",
        totalPriceSet: { shopMoney: { amount: "45.00" } },
        sourceName: "pos",
        discountCodes: ["SPRING20"],
        totalDiscountsSet: { shopMoney: { amount: "9.00" } },
      },
      "USD",
    );
    expect([bulk.discountCodes, bulk.totalDiscounts, bulk.channel]).toEqual([["SPRING20"], "9.00", "pos"]);
    // Without the fields (older payloads): no discount, no channel.
    expect(orderFromWebhook(order)).toMatchObject({ discountCodes: [], totalDiscounts: "0.00", channel: null });
    expect(() => orderFromWebhook({ ...order, total_discounts: "-1.00" })).toThrow(RecordError);
  });

  it("normalises source names to online, pos, draft or other", () => {
    expect(["web", "pos", "shopify_draft_order", "1520611", "iphone", null, " WEB "].map(channelOf)).toEqual([
      "online",
      "pos",
      "draft",
      "other",
      "online",
      null,
      "online",
    ]);
  });

  it("keeps only country, province and city of the default address; absent keeps, null clears", () => {
    const customer = { id: 7, updated_at: "2026-10-30T10:00:00Z" };
    const withAddress = customerFromWebhook({
      ...customer,
      default_address: {
        address1: "1 King St",
        zip: "M5H 1A1",
        city: " Toronto ",
        province_code: "on",
        country_code: "CA",
      },
    });
    expect(withAddress.address).toEqual({ countryCode: "CA", provinceCode: "ON", city: "Toronto" });
    expect(JSON.stringify({ ...withAddress, shopifyId: 7 })).not.toMatch(/King|M5H/);
    expect(customerFromWebhook({ ...customer, default_address: null }).address).toBeNull();
    expect(customerFromWebhook(customer).address).toBeUndefined();
    // Since 2025-01 customer payloads carry no consent: undefined, so the stored one stays.
    expect(customerFromWebhook(customer).emailConsent).toBeUndefined();
    const bulk = customerFromBulk({
      id: "gid://shopify/Customer/7",
      defaultAddress: { countryCodeV2: "US", provinceCode: "NY", city: "New York" },
      defaultEmailAddress: { marketingState: "SUBSCRIBED", marketingUpdatedAt: "2026-01-02T03:04:05Z" },
      smsMarketingConsent: null,
    });
    expect(bulk.address).toEqual({ countryCode: "US", provinceCode: "NY", city: "New York" });
    expect(bulk.emailConsent).toEqual({ state: "SUBSCRIBED", updatedAt: new Date("2026-01-02T03:04:05Z") });
    expect(bulk.smsConsent).toEqual({ state: null, updatedAt: null });
  });

  it("reads both consent topics and refuses malformed ones", () => {
    expect(
      consentFromWebhook(
        {
          customer_id: 7,
          email_address: "a@example.com",
          email_marketing_consent: {
            state: "unsubscribed",
            opt_in_level: null,
            consent_updated_at: "2026-10-30T10:00:00-04:00",
          },
        },
        "email",
      ),
    ).toEqual({
      customerShopifyId: 7n,
      consent: { state: "UNSUBSCRIBED", updatedAt: new Date("2026-10-30T14:00:00Z") },
    });
    expect(
      consentFromWebhook(
        { id: 8, phone: "+15550000001", sms_marketing_consent: { state: "subscribed", consent_updated_at: null } },
        "sms",
      ),
    ).toEqual({ customerShopifyId: 8n, consent: { state: "SUBSCRIBED", updatedAt: null } });
    expect(() => consentFromWebhook({ customer_id: 7 }, "email")).toThrow(RecordError);
    expect(() =>
      consentFromWebhook({ customer_id: "x", email_marketing_consent: { state: "subscribed" } }, "email"),
    ).toThrow(RecordError);
    expect(() =>
      consentFromWebhook({ id: 8, sms_marketing_consent: { state: "subscribed", consent_updated_at: "soon" } }, "sms"),
    ).toThrow(RecordError);
  });
});
