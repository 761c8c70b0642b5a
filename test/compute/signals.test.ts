import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import db from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { previewRuleCount, ruleSql } from "~/admin/rule-segments.server";
import { requireShop } from "~/admin/admin-shop.server";
import { requestResync } from "~/admin/settings.server";
import { listSegments, reachableAudience } from "~/admin/segments.server";
import { appNow } from "~/clock.server";
import { openCustomerRow, personalData } from "~/privacy/personal-data.server";
import { queues } from "~/queues.server";
import { shopSettings } from "~/settings";
import { SIGNAL_RULES, SIGNAL_SEGMENTS, type SignalSegmentKey } from "~/segmentation/signals";
import type { Rule } from "~/segmentation/rules";
import { updateConsent } from "~/sync/write-records.server";
import {
  orderChannel,
  orderDiscountCents,
  type CustomerRecord,
  type OrderRecord,
  type ShopStore,
} from "../shopify-emulator";
import type { EmulatedApp } from "../helpers/emulated-app";
import { startComputedShop, type ComputedShop } from "../helpers/computed-shop";
import { waitFor } from "../helpers/shops";

// Customer signals on an emulated shop, end to end: the back-fill stores every customer's
// location (country, province, city only) and marketing consent and every order's discount and
// channel as Shopify has them; webhooks (customers/*, the consent topics, orders/*) agree with
// Shopify and with a resync customer by customer; the automatic signal segments hold exactly
// the customers Shopify's orders qualify; and the issue's example — "province is ON and bought
// product type Coffee at least 2 times in 60 days and full-price buyer" — counts in the live
// preview what the compute puts in the segment, which the push sends to Shopify as a tag and a
// native segment.

vi.hoisted(() => {
  process.env.SCORE_DEBOUNCE_MS = "200";
});

let computed: ComputedShop;
let env: EmulatedApp;
let store: ShopStore;
let shopId: number;

beforeAll(async () => {
  computed = await startComputedShop({ customers: 700 }, { recomputeTimeoutMs: 90_000 });
  ({ env, shopId } = computed);
  store = env.emu.shop(env.shop);
});

afterAll(async () => {
  await computed?.close();
});

type CustomerSignals = [string | null, string | null, string | null, string | null, string | null];
type OrderSignals = [number, string, string | null];

const shopifyCustomer = (r: CustomerRecord): CustomerSignals => [
  r.defaultAddress?.countryCode ?? null,
  r.defaultAddress?.provinceCode ?? null,
  r.defaultAddress?.city ?? null,
  r.email ? (r.emailMarketingState ?? "NOT_SUBSCRIBED") : null,
  r.phone ? (r.smsMarketingState ?? "NOT_SUBSCRIBED") : null,
];
const shopifyOrder = (o: OrderRecord): OrderSignals => [
  orderDiscountCents(o),
  (o.discountCodes ?? []).map((d) => d.code).join(","),
  orderChannel(o),
];

/** Every customer's and order's signals in Shopify (the emulator) and in our database, by Shopify id. */
async function compare() {
  const customers = await db.customer.findMany({
    where: { shopId, deletedAt: null },
    select: {
      shopifyId: true,
      countryCode: true,
      provinceCode: true,
      city: true,
      emailMarketingState: true,
      smsMarketingState: true,
    },
  });
  // Personal fields are stored sealed: opened as the admin opens them.
  const stored = new Map(
    customers
      .map((sealed) => openCustomerRow(shopId, sealed))
      .map((c) => [
        String(c.shopifyId),
        [c.countryCode, c.provinceCode, c.city, c.emailMarketingState, c.smsMarketingState] as CustomerSignals,
      ]),
  );
  const orders = await db.order.findMany({
    where: { shopId, deletedAt: null },
    select: { shopifyId: true, totalDiscounts: true, discountCodes: true, channel: true },
  });
  const storedOrders = new Map(
    orders.map((o) => [
      String(o.shopifyId),
      [Math.round(Number(o.totalDiscounts) * 100), o.discountCodes.join(","), o.channel] as OrderSignals,
    ]),
  );
  const customerDiffs: string[] = [];
  let customerCount = 0;
  for (const { record } of store.customers()) {
    customerCount++;
    const want = JSON.stringify(shopifyCustomer(record));
    const got = JSON.stringify(stored.get(String(record.id)));
    if (want !== got) customerDiffs.push(`${record.id}: Shopify ${want}, stored ${got}`);
  }
  const orderDiffs: string[] = [];
  let orderCount = 0;
  for (const { order } of store.orders()) {
    orderCount++;
    const want = JSON.stringify(shopifyOrder(order));
    const got = JSON.stringify(storedOrders.get(String(order.id)));
    if (want !== got) orderDiffs.push(`${order.id}: Shopify ${want}, stored ${got}`);
  }
  return { customerDiffs: customerDiffs.slice(0, 5), orderDiffs: orderDiffs.slice(0, 5), customerCount, orderCount };
}

/** Who qualifies for each signal segment by Shopify's own orders (live, not test, not cancelled). */
function qualifyingInShopify(): Map<SignalSegmentKey, Set<string>> {
  const out = new Map<SignalSegmentKey, Set<string>>(SIGNAL_SEGMENTS.map((s) => [s.key, new Set<string>()]));
  for (const { record, orders } of store.customers()) {
    const live = orders.filter((o) => !o.test && o.cancelledAt === null);
    const n = live.length;
    const discounted = live.filter((o) => orderDiscountCents(o) > 0).length;
    const pos = live.filter((o) => orderChannel(o) === "pos").length;
    const online = live.filter((o) => orderChannel(o) === "online").length;
    const id = String(record.id);
    if (n >= SIGNAL_RULES.discountDrivenMinOrders && discounted / n >= SIGNAL_RULES.discountDrivenMinShare)
      out.get("discount-driven")!.add(id);
    if (n >= SIGNAL_RULES.fullPriceLoyalMinOrders && discounted === 0) out.get("full-price-loyal")!.add(id);
    if (n >= SIGNAL_RULES.channelOnlyMinOrders && pos === n) out.get("in-store-only")!.add(id);
    if (n >= SIGNAL_RULES.channelOnlyMinOrders && online === n) out.get("online-only")!.add(id);
  }
  return out;
}

async function membersOf(key: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT c."shopifyId" AS id FROM "Membership" m JOIN "Customer" c ON c."shopId" = m."shopId" AND c."id" = m."customerId"
    WHERE m."shopId" = ${shopId} AND m."segmentKey" = ${key}`;
  return rows.map((r) => String(r.id)).sort();
}

/**
 * The first push after run `id`, finished. (Every push job of a shop has the same job id, and its
 * Run row is found by it, so a shop's pushes share one Run: only `pushAfter(0n)` is meaningful.)
 */
function pushAfter(id: bigint) {
  return waitFor(
    async () => {
      const push = await db.run.findFirst({ where: { shopId, kind: "PUSH", id: { gt: id } }, orderBy: { id: "desc" } });
      return push && (push.status === "SUCCEEDED" || push.status === "FAILED") ? push : undefined;
    },
    { timeoutMs: 90_000, what: "a push" },
  );
}

describe("customer signals", { timeout: 300_000 }, () => {
  it("back-fills every customer's location and consent and every order's discount and channel as Shopify has them", async () => {
    const { customerDiffs, orderDiffs, customerCount, orderCount } = await compare();
    expect(customerDiffs).toEqual([]);
    expect(orderDiffs).toEqual([]);
    expect(customerCount).toBe(700);
    expect(orderCount).toBeGreaterThan(1000);
    // The emulator's data is realistic: about 30 % discounted orders, a share at the point of
    // sale, Canadian and US addresses with Ontario among them, about 60 % subscribed to email.
    const orders = await db.order.findMany({ where: { shopId }, select: { totalDiscounts: true, channel: true } });
    const share = (n: number) => n / orders.length;
    expect(share(orders.filter((o) => Number(o.totalDiscounts) > 0).length)).toBeGreaterThan(0.22);
    expect(share(orders.filter((o) => Number(o.totalDiscounts) > 0).length)).toBeLessThan(0.38);
    expect(share(orders.filter((o) => o.channel === "pos").length)).toBeGreaterThan(0.08);
    const lookup = (attribute: "country" | "province", value: string) =>
      personalData().lookup(shopId, attribute, value);
    const onCustomers = await db.customer.count({
      where: { shopId, countryLookup: lookup("country", "CA"), provinceLookup: lookup("province", "ON") },
    });
    expect(onCustomers).toBeGreaterThan(50);
    const withEmail = await db.customer.count({ where: { shopId, email: { not: null } } });
    const subscribed = await db.customer.count({ where: { shopId, emailMarketingState: "SUBSCRIBED" } });
    expect(subscribed / withEmail).toBeGreaterThan(0.5);
    expect(subscribed / withEmail).toBeLessThan(0.7);
    // Minimised: no street or postal code was stored anywhere.
    const columns = await db.$queryRaw<{ column_name: string }[]>`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'Customer'`;
    expect(columns.map((c) => c.column_name).filter((c) => /address|street|zip|postal/i.test(c))).toEqual([]);
  });

  it("keeps exactly the customers Shopify's orders qualify in the automatic signal segments, above the minimum size", async () => {
    const qualifying = qualifyingInShopify();
    const scored = await db.customerScore.count({ where: { shopId } });
    const floor = Math.max(SIGNAL_RULES.minCustomers, Math.ceil(SIGNAL_RULES.minShare * scored));
    const segments = await db.segment.findMany({ where: { shopId, kind: "SIGNAL" } });
    let present = 0;
    for (const { key, name } of SIGNAL_SEGMENTS) {
      const want = [...qualifying.get(key)!].sort();
      const segment = segments.find((s) => s.key === key);
      if (want.length >= floor) {
        present++;
        expect(segment?.name, key).toBe(name);
        expect(await membersOf(key), key).toEqual(want);
      } else {
        expect(segment, `${key} has ${want.length} < ${floor} customers`).toBeUndefined();
        expect(await membersOf(key)).toEqual([]);
      }
    }
    expect(present).toBeGreaterThanOrEqual(2);
    // Every segment says how many members email reaches: those subscribed in Shopify.
    const rows = await listSegments(await requireShop(env.shop));
    const subscribed = (ids: Iterable<string>) =>
      [...ids].filter((id) => store.customer(Number(id))!.record.emailMarketingState === "SUBSCRIBED").length;
    for (const segment of segments) {
      const row = rows.find((r) => r.key === segment.key)!;
      expect(row.emailReachable, segment.key).toBe(subscribed(await membersOf(segment.key)));
      expect(row.emailReachable).toBeGreaterThan(0);
      expect(row.emailReachable).toBeLessThan(row.size);
    }
    const everyone = rows.filter((r) => r.kind === "LIFECYCLE");
    expect(everyone.every((r) => r.emailReachable !== null && r.smsReachable !== null)).toBe(true);
    // Pushed like every segment.
    await pushAfter(0n);
    const pushed = await db.pushedSegment.findMany({
      where: { shopId, segmentKey: { in: segments.map((s) => s.key) } },
    });
    expect(pushed.map((p) => p.segmentKey).sort()).toEqual(segments.map((s) => s.key).sort());
  });

  it("applies customers/*, the consent topics and orders/* webhooks as Shopify has them, and a resync agrees customer by customer", async () => {
    const created = store.createCustomer({
      firstName: "Ada",
      email: "ada.signals@example.com",
      phone: "+15550000001",
      defaultAddress: {
        address1: "1 King St",
        city: "Toronto",
        province: "Ontario",
        provinceCode: "ON",
        country: "Canada",
        countryCode: "CA",
        zip: "M5H 1A1",
      },
    });
    const [moving] = [...store.customers()].filter(({ record }) => record.defaultAddress?.provinceCode === "BC");
    store.updateCustomer(moving.record.id, {
      defaultAddress: {
        address1: "9 Rue Sainte-Catherine",
        city: "Montréal",
        province: "Quebec",
        provinceCode: "QC",
        country: "Canada",
        countryCode: "CA",
        zip: "H2X 1K4",
      },
    });
    store.updateMarketingConsent(created.id, "email", "SUBSCRIBED");
    store.updateMarketingConsent(created.id, "sms", "SUBSCRIBED");
    store.updateMarketingConsent(moving.record.id, "email", "UNSUBSCRIBED");
    const pos = store.createOrder({ customerId: created.id, sourceName: "pos" });
    const discounted = store.createOrder({
      customerId: moving.record.id,
      sourceName: "shopify_draft_order",
      discountCodes: [{ code: "SPRING20", amountCents: 100, type: "fixed_amount" }],
      lineItems: [{ productIndex: 5, quantity: 2 }],
    });
    await env.emu.idle();
    // The consent topics' payloads, as Shopify sends them since 2025-01; customer payloads carry none.
    // Deliveries carry random delays, so each is found by its subject, not by its place in the log.
    const lastFor = (topic: string, key: string, id: number) =>
      env.emu.webhooks
        .delivered(topic)
        .map((d) => JSON.parse(d.body) as Record<string, unknown>)
        .filter((payload) => payload[key] === id)
        .at(-1);
    expect(lastFor("customers_email_marketing_consent/update", "customer_id", moving.record.id)).toMatchObject({
      customer_id: moving.record.id,
      email_marketing_consent: { state: "unsubscribed" },
    });
    const update = lastFor("customers/update", "id", moving.record.id);
    expect(update).not.toHaveProperty("email_marketing_consent");
    expect(update).toMatchObject({ default_address: { province_code: "QC", city: "Montréal" } });
    expect(lastFor("orders/create", "id", discounted.id)).toMatchObject({
      source_name: "shopify_draft_order",
      discount_codes: [{ code: "SPRING20", amount: "1.00", type: "fixed_amount" }],
      total_discounts: "1.00",
    });

    await waitFor(
      async () => {
        const rows = await db.order.count({
          where: { shopId, shopifyId: { in: [pos.id, discounted.id].map(BigInt) } },
        });
        const ada = await db.customer.findUnique({
          where: { shopId_shopifyId: { shopId, shopifyId: BigInt(created.id) } },
        });
        const moved = await db.customer.findUniqueOrThrow({
          where: { shopId_shopifyId: { shopId, shopifyId: BigInt(moving.record.id) } },
        });
        return rows === 2 &&
          ada?.smsMarketingState === "SUBSCRIBED" &&
          ada.emailMarketingState === "SUBSCRIBED" &&
          moved.emailMarketingState === "UNSUBSCRIBED" &&
          openCustomerRow(shopId, moved).provinceCode === "QC"
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, what: "the webhooks applied" },
    );
    const viaWebhooks = await compare();
    expect(viaWebhooks.customerDiffs).toEqual([]);
    expect(viaWebhooks.orderDiffs).toEqual([]);

    // An older consent arriving late (webhooks are unordered) changes nothing.
    const stamp = (await db.customer.findUniqueOrThrow({
      where: { shopId_shopifyId: { shopId, shopifyId: BigInt(moving.record.id) } },
    }))!.emailConsentUpdatedAt!;
    await updateConsent(db, shopId, BigInt(moving.record.id), "email", {
      state: "SUBSCRIBED",
      updatedAt: new Date(stamp.getTime() - 60_000),
    });
    expect(
      (await db.customer.findUniqueOrThrow({
        where: { shopId_shopifyId: { shopId, shopifyId: BigInt(moving.record.id) } },
      }))!.emailMarketingState,
    ).toBe("UNSUBSCRIBED");

    const syncs = await db.run.count({ where: { shopId, kind: "SYNC" } });
    const computes = await db.run.count({ where: { shopId, kind: "COMPUTE" } });
    expect(await requestResync(await requireShop(env.shop))).toBe("started");
    const resync = await waitFor(
      async () => {
        const runs = await db.run.findMany({ where: { shopId, kind: "SYNC" }, orderBy: { id: "asc" } });
        const last = runs[runs.length - 1];
        return runs.length > syncs && (last.status === "SUCCEEDED" || last.status === "FAILED") ? last : undefined;
      },
      { timeoutMs: 90_000, what: "the resync" },
    );
    expect(resync.error).toBeNull();
    const viaResync = await compare();
    expect(viaResync).toEqual(viaWebhooks);
    await waitFor(
      async () => {
        const runs = await db.run.findMany({ where: { shopId, kind: "COMPUTE" }, orderBy: { id: "asc" } });
        return runs.length > computes && runs[runs.length - 1].status === "SUCCEEDED" ? true : undefined;
      },
      { timeoutMs: 90_000, what: "the compute after the resync" },
    );
  });

  it("converges on Shopify's consent when consent webhooks arrive shuffled", async () => {
    const customers = [...store.customers()]
      .filter(({ record }) => record.email && record.phone)
      .slice(10, 15)
      .map(({ record }) => record.id);
    env.emu.webhooks.hold();
    for (const state of ["UNSUBSCRIBED", "SUBSCRIBED", "PENDING"] as const)
      for (const id of customers) {
        store.updateMarketingConsent(id, "email", state);
        store.updateMarketingConsent(id, "sms", state === "PENDING" ? "UNSUBSCRIBED" : state);
      }
    await env.emu.webhooks.release({ shuffle: true });
    await waitFor(
      async () => {
        const rows = await db.customer.findMany({
          where: { shopId, shopifyId: { in: customers.map(BigInt) } },
          select: { emailMarketingState: true, smsMarketingState: true },
        });
        return rows.length === customers.length &&
          rows.every((r) => r.emailMarketingState === "PENDING" && r.smsMarketingState === "UNSUBSCRIBED")
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, what: "the last consent of each customer" },
    );
    const { customerDiffs } = await compare();
    expect(customerDiffs).toEqual([]);
  });

  it("moves a customer out of 'Online only' within the debounce when a POS order arrives by webhook", async () => {
    const members = await membersOf("online-only");
    expect(members.length).toBeGreaterThan(0);
    const customer = Number(members[0]);
    store.createOrder({ customerId: customer, sourceName: "pos" });
    await env.emu.idle();
    await waitFor(async () => ((await membersOf("online-only")).includes(String(customer)) ? undefined : true), {
      timeoutMs: 60_000,
      what: "the re-score taking the customer out of Online only",
    });
    // The rule language sees the same order: the customer's POS share is now above 0.
    const shop = await requireShop(env.shop);
    const rule: Rule = { all: [{ field: "channelShare", op: ">", value: 0, name: "pos" }] };
    const selected = await db.$queryRaw<{ id: bigint }[]>(
      Prisma.sql`SELECT c."shopifyId" AS id FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
        WHERE s."shopId" = ${shop.id} AND ${ruleSql(rule, shop.id, appNow())}`,
    );
    expect(selected.map((r) => Number(r.id))).toContain(customer);
  });

  it("province is ON and bought Coffee at least twice in 60 days and full-price buyer: the live count equals the members, pushed to Shopify", async () => {
    const coffee = store.createProduct({
      title: "House blend",
      productType: "Coffee",
      vendor: "Roastery",
      priceCents: 1800,
    });
    const fullPrice = (id: number) =>
      store
        .customer(id)!
        .orders.filter((o) => !o.test && o.cancelledAt === null)
        .every((o) => orderDiscountCents(o) === 0);
    const inProvince = (code: string) =>
      [...store.customers()].filter(
        ({ record, orders }) => record.defaultAddress?.provinceCode === code && orders.some((o) => !o.test),
      );
    const buyers = inProvince("ON")
      .filter(({ record }) => fullPrice(record.id))
      .slice(0, 3)
      .map(({ record }) => record.id);
    // Bought Coffee twice too, but: used a discount once / lives in Quebec / bought it only once.
    const discountUser = inProvince("ON").find(({ record }) => !fullPrice(record.id))!.record.id;
    const quebec = inProvince("QC").find(({ record }) => fullPrice(record.id))!.record.id;
    const once = inProvince("ON").filter(({ record }) => fullPrice(record.id))[3].record.id;
    expect(buyers).toHaveLength(3);
    const now = appNow().getTime();
    for (const customerId of [...buyers, discountUser, quebec])
      for (const daysAgo of [40, 5])
        store.createOrder({
          customerId,
          lineItems: [{ productId: coffee.id, quantity: 1 }],
          processedAt: now - daysAgo * 86_400_000,
          sourceName: "web",
        });
    store.createOrder({ customerId: once, lineItems: [{ productId: coffee.id }], processedAt: now - 3 * 86_400_000 });
    await env.emu.idle();
    await waitFor(
      async () =>
        (await db.order.count({
          where: { shopId, lineItems: { array_contains: [{ productId: String(coffee.id) }] } },
        })) === 11
          ? true
          : undefined,
      { timeoutMs: 60_000, what: "the Coffee orders stored" },
    );

    // Small segments get a Shopify segment too (this one has 3 members).
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await db.shop.update({
      where: { id: shopId },
      data: { settings: { ...(shop.settings as object), pushSmallSegments: true } },
    });
    const rule: Rule = {
      all: [
        { field: "province", op: "is", value: "ON" },
        { field: "productTypeOrders", op: ">=", value: 2, days: 60, name: "Coffee" },
        { field: "fullPriceBuyer", op: "is", value: true },
      ],
    };
    await db.segment.create({
      data: {
        shopId,
        key: "rule-on-coffee",
        kind: "RULE",
        name: "Ontario coffee regulars",
        definition: { rule } as object,
      },
    });
    // The Coffee orders' re-scores and their pushes done first: a push queued while another
    // runs is dropped (one job id per shop), so the compute's push must find none running.
    const [busyQueues, states] = [
      ["score", "push"],
      ["waiting", "active", "delayed", "prioritized"],
    ] as const;
    // This shop's jobs only: other test files share the queues (the compliance and encryption
    // tests leave re-scores delayed by a 10-minute debounce; they kept this wait busy twice).
    const shopJobs = async (name: (typeof busyQueues)[number]) =>
      (
        await queues()
          .get(name)
          .getJobs([...states])
      ).filter((job) => job.data.shopId === shopId);
    await waitFor(
      async () => {
        for (const name of busyQueues) if ((await shopJobs(name)).length > 0) return undefined;
        return true;
      },
      { timeoutMs: 90_000, what: "re-scores and pushes idle" },
    ).catch(async (error: Error) => {
      // Say which jobs kept the queues busy.
      const jobs = await Promise.all(
        busyQueues.map(async (name) =>
          (await shopJobs(name)).map(
            (job) =>
              `${name} job ${job.id} (${job.name}): attempts ${job.attemptsMade}, delay ${job.delay} ms, ` +
              `added ${new Date(job.timestamp).toISOString()}, started ${job.processedOn ? new Date(job.processedOn).toISOString() : "never"}` +
              (job.failedReason ? `, last error ${job.failedReason}` : ""),
          ),
        ),
      );
      throw new Error(
        `${error.message}; still queued at ${new Date().toISOString()}: ${jobs.flat().join("; ") || "none"}`,
      );
    });
    await computed.recompute("the compute with the Ontario coffee rule");

    const members = await membersOf("rule-on-coffee");
    expect(members).toEqual(buyers.map(String).sort());
    const preview = await previewRuleCount(await requireShop(env.shop), rule);
    expect(preview.matches).toBe(members.length);
    const selected = await db.$queryRaw<{ id: bigint }[]>(
      Prisma.sql`SELECT c."shopifyId" AS id FROM "CustomerScore" s JOIN "Customer" c ON c."shopId" = s."shopId" AND c."id" = s."customerId"
        WHERE s."shopId" = ${shopId} AND ${ruleSql(rule, shopId, appNow())}`,
    );
    expect(selected.map((r) => String(r.id)).sort()).toEqual(members);
    // The Results page's reachable audience for it: the members subscribed to email in Shopify.
    const reach = (await reachableAudience(await requireShop(env.shop))).find((r) => r.key === "rule-on-coffee")!;
    expect(reach.size).toBe(3);
    expect(reach.emailReachable).toBe(
      buyers.filter((id) => store.customer(id)!.record.emailMarketingState === "SUBSCRIBED").length,
    );

    // In Shopify: the members carry the tag and a native segment selects it.
    const tag = `${shopSettings(shop.settings).tagPrefix}rule-on-coffee`;
    await waitFor(
      async () => (buyers.every((id) => store.customer(id)!.record.tags.includes(tag)) ? true : undefined),
      { timeoutMs: 60_000, what: "the members tagged in Shopify" },
    );
    for (const id of [discountUser, quebec, once]) expect(store.customer(id)!.record.tags).not.toContain(tag);
    // A member moves to Quebec (customers/update): the re-score takes them out within the debounce.
    const [mover] = buyers;
    store.updateCustomer(mover, {
      defaultAddress: {
        address1: "5 Rue Saint-Paul",
        city: "Québec",
        province: "Quebec",
        provinceCode: "QC",
        country: "Canada",
        countryCode: "CA",
        zip: "G1K 3V6",
      },
    });
    await env.emu.idle();
    await waitFor(async () => ((await membersOf("rule-on-coffee")).includes(String(mover)) ? undefined : true), {
      timeoutMs: 60_000,
      what: "the re-score after the move",
    });
    expect(await membersOf("rule-on-coffee")).toEqual(buyers.slice(1).map(String).sort());
    expect((await previewRuleCount(await requireShop(env.shop), rule)).matches).toBe(2);

    const native = await waitFor(async () => [...store.segments.values()].find((s) => s.query.includes(`'${tag}'`)), {
      timeoutMs: 60_000,
      what: "the native segment in Shopify",
    });
    expect(native.name).toContain("Ontario coffee regulars");
  });
});
