// The emulator's HTTP server and its programmatic handle for tests and the demo.
// The app reaches it through SHOPIFY_ADMIN_ORIGIN: requests keep Shopify's paths and name the
// shop in X-Forwarded-Host (falling back to Host).
import { createHmac, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { AdminGraphQL, emptyStats, type ShopStats } from "./admin-graphql";
import { readAppConfig, DEFAULT_APP_TOML } from "./app-config";
import { TokenRegistry, exchangeToken, signSessionToken } from "./auth";
import { BulkRunner, type BulkFaults } from "./bulk";
import { CostBucket } from "./cost";
import { readFlowTriggers } from "./flow";
import { hashSeed } from "./random";
import type { RequestContext } from "./resolvers";
import { shopPayload } from "./rest-payloads";
import { API_VERSION, loadAdminSchema } from "./schema";
import { ShopStore, newObjectId, type AppSubscriptionRecord, type ShopOptions, type ThrottleConfig } from "./store";
import { WebhookDispatcher, type WebhookFaults, type WebhookOptions } from "./webhooks";
import { handleAdminUi } from "./admin/admin-ui";
import { readAdminExtensions } from "./admin/admin-extensions";
import { worldClock } from "./clock";
import {
  appExtensionsAnswer,
  checkActivations,
  readThemeExtensions,
  type ThemeActivations,
} from "./admin/theme-extensions";

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /**
   * Host name in `origin` (default: the listen address), e.g. "localhost" while listening on
   * 127.0.0.1: a browser then sees the emulated admin on another site than an app on 127.0.0.1.
   */
  publicHost?: string;
  apiKey: string;
  apiSecret: string;
  /** Base URL the webhook URIs are relative to, e.g. http://127.0.0.1:3000. */
  appUrl: string;
  apiVersion?: typeof API_VERSION;
  /** Path of the app's shopify.app.toml (default: the repo's). */
  appToml?: string;
  /** Overrides the subscriptions read from the toml: topic → uri. */
  subscriptions?: Record<string, string>;
  /** Scopes granted by token exchange (default: the toml's, else read/write customers and orders). */
  scopes?: string;
  /** The emulated world's business clock (default: worldClock(), i.e. SEGMENTS_NOW if set). */
  clock?: () => number;
  /** How long expiring offline access tokens live (default one hour, as Shopify's). */
  offlineTokenLifetimeMs?: number;
}

interface ShopState {
  store: ShopStore;
  bucket: CostBucket;
  stats: ShopStats;
  /** Offline token issued at `addShop`, as if the app was already installed. */
  accessToken: string;
  /** What is on in the published theme (`shopify.app.extensions()`). */
  theme: ThemeActivations;
  /** False between `uninstall` and `install`: the app's webhook subscriptions are gone. */
  installed: boolean;
}

// Shopify deletes an app's webhook subscriptions when it is uninstalled; only the mandatory
// compliance topics (shop/redact 48 h later) still reach it.
const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

export interface Emulator {
  readonly origin: string;
  readonly apiVersion: string;
  /** `app--<appId>`: the namespace `$app` resolves to. */
  readonly appNamespace: string;
  addShop(domain: string, options?: ShopOptions): ShopStore;
  shop(domain: string): ShopStore;
  /** An offline access token for the shop (issued when the shop was added). */
  accessToken(domain: string): string;
  sessionToken(domain: string, options?: { userId?: number; lifetimeSeconds?: number }): string;
  /** The shop's cost bucket (e.g. `.set(0)` to force THROTTLED). */
  throttle(domain: string): CostBucket;
  setThrottle(domain: string, config: ThrottleConfig): void;
  stats(domain: string): ShopStats;
  emitWebhook(
    domain: string,
    topic: string,
    payload: unknown,
    options?: WebhookOptions,
  ): { webhookId: string; eventId: string };
  /** app/uninstalled, then revokes the shop's tokens; until `install`, changes send no webhooks (compliance topics excepted). */
  uninstall(domain: string): void;
  /** Installs again after `uninstall`: issues a new offline token (returned, and by `accessToken`). */
  install(domain: string): string;
  /** The merchant picks a plan on Shopify's plan page: replaces the active subscription, sends `app_subscriptions/update`. */
  subscribeApp(domain: string, name: string, options?: { test?: boolean; trialDays?: number }): AppSubscriptionRecord;
  /** The merchant cancels the plan: the active subscription is CANCELLED, `app_subscriptions/update` sent. */
  cancelAppSubscription(domain: string): AppSubscriptionRecord | null;
  requestCustomerRedact(domain: string, customerId: number): void;
  requestCustomerData(domain: string, customerId: number): void;
  requestShopRedact(domain: string): void;
  /** Which app embeds are on and where app blocks are placed in the shop's published theme (default: nothing). */
  setThemeActivations(domain: string, activations: ThemeActivations): void;
  readonly webhooks: WebhookDispatcher;
  /** Counts of refresh-token grants and of non-expiring tokens migrated to expiring ones. */
  readonly tokenGrants: { readonly refresh: number; readonly migrated: number };
  /** `appBridge.extensionsUnavailable`: `shopify.app.extensions()` rejects, as when the App API is unavailable. */
  readonly faults: { webhooks: WebhookFaults; bulk: BulkFaults; appBridge: { extensionsUnavailable: boolean } };
  /** Resolves when bulk operations and webhook deliveries have all finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_SCOPES = "read_customers,write_customers,read_orders,read_all_orders,read_products";

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const apiVersion = options.apiVersion ?? API_VERSION;
  const clock = options.clock ?? worldClock();
  const graphql = new AdminGraphQL(loadAdminSchema(apiVersion));
  const appConfig = readAppConfig(options.appToml ?? DEFAULT_APP_TOML);
  const themeExtensions = readThemeExtensions(path.dirname(options.appToml ?? DEFAULT_APP_TOML));
  const flowTriggers = readFlowTriggers(path.dirname(options.appToml ?? DEFAULT_APP_TOML));
  const adminExtensions = readAdminExtensions(path.dirname(options.appToml ?? DEFAULT_APP_TOML));
  const appBridgeFaults = { extensionsUnavailable: false };
  const subscriptions = options.subscriptions
    ? new Map(Object.entries(options.subscriptions))
    : appConfig.subscriptions;
  const scopes = options.scopes ?? appConfig.scopes ?? DEFAULT_SCOPES;
  const appNamespace = `app--${hashSeed(options.apiKey) % 10_000_000}`;
  const uploadSecret = randomBytes(16);
  const resultsDir = mkdtempSync(path.join(tmpdir(), "shopify-emulator-"));
  const shops = new Map<string, ShopState>();
  const tokens = new TokenRegistry(options.offlineTokenLifetimeMs);
  const webhooks = new WebhookDispatcher({
    appUrl: options.appUrl,
    apiSecret: options.apiSecret,
    apiVersion: appConfig.webhooksApiVersion ?? apiVersion,
    subscriptions,
  });
  /** What Shopify announces to the app: nothing but compliance topics while it is uninstalled. */
  const announce = (domain: string, topic: string, payload: unknown) => {
    if (shops.get(domain)?.installed === false && !COMPLIANCE_TOPICS.has(topic)) return;
    webhooks.send(domain, topic, payload);
  };
  const bulk = new BulkRunner(graphql, resultsDir, (store, topic, payload) => announce(store.domain, topic, payload));
  let origin = "";

  const requireShop = (domain: string): ShopState => {
    const state = shops.get(domain);
    if (!state) throw new Error(`Shopify emulator: unknown shop ${domain}`);
    return state;
  };
  const signUploadKey = (key: string) => createHmac("sha256", uploadSecret).update(key).digest("hex");
  const requestContext = (store: ShopStore): RequestContext => ({
    store,
    appNamespace,
    origin,
    bulk,
    signUploadKey,
    flowTriggers,
  });

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      console.error("[shopify-emulator]", error);
      if (!res.headersSent) send(res, 500, { errors: "Internal Server Error" });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const shopDomain = String(req.headers["x-forwarded-host"] ?? req.headers.host ?? "")
      .split(":")[0]
      .toLowerCase();

    const graphqlPath = /^\/admin\/api\/([\w-]+)\/graphql\.json$/.exec(url.pathname);
    if (graphqlPath && req.method === "POST") {
      if (graphqlPath[1] !== apiVersion)
        return send(res, 404, { errors: `Shopify emulator serves API version ${apiVersion} only` });
      const state = shops.get(shopDomain);
      if (!state) return send(res, 404, { errors: "Not Found" });
      if (!tokens.check(header(req, "x-shopify-access-token"), shopDomain)) {
        return send(res, 401, {
          errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
        });
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        return send(res, 400, { errors: "Invalid JSON in request body" });
      }
      return send(
        res,
        200,
        await graphql.handle(requestContext(state.store), state.bucket, state.stats, (body ?? {}) as object),
      );
    }

    if (url.pathname === "/admin/oauth/access_token" && req.method === "POST") {
      if (!shops.has(shopDomain)) return send(res, 404, { errors: "Not Found" });
      const raw = (await readBody(req)).toString("utf8");
      const params = (req.headers["content-type"] ?? "").includes("json")
        ? (JSON.parse(raw) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(raw));
      const result = exchangeToken(
        params,
        shopDomain,
        { apiKey: options.apiKey, apiSecret: options.apiSecret, scopes },
        tokens,
      );
      return send(res, result.status, result.body);
    }

    if (url.pathname === "/staged-uploads" && req.method === "POST") return receiveUpload(req, res);

    const result = /^\/bulk-results\/(\d+)\.jsonl$/.exec(url.pathname);
    if (result && req.method === "GET") {
      for (const { store } of shops.values()) {
        const op = store.bulkOperations.get(Number(result[1]));
        if (op?.resultFile && op.status !== "CREATED" && op.status !== "RUNNING") {
          res.writeHead(200, { "Content-Type": "application/jsonl", "Content-Length": String(op.fileSize ?? 0) });
          createReadStream(op.resultFile).pipe(res);
          return;
        }
      }
      return send(res, 404, { errors: "Not Found" });
    }

    if (url.pathname === "/healthz") return send(res, 200, { ok: true, shops: [...shops.keys()] });

    // Admin UI for browser tests and the demo: App Bridge stand-in, session tokens, the admin page
    // framing the app (test/shopify-emulator/admin/).
    const adminUi = {
      appUrl: options.appUrl,
      appName: appConfig.name ?? "App",
      appHandle: appConfig.handle ?? "app",
      adminExtensions,
      hasShop: (domain: string) => shops.has(domain),
      sessionToken: (domain: string, lifetimeSeconds: number) =>
        signSessionToken({ shop: domain, apiKey: options.apiKey, apiSecret: options.apiSecret, lifetimeSeconds }),
      appExtensions: (domain: string) =>
        appBridgeFaults.extensionsUnavailable ? null : appExtensionsAnswer(themeExtensions, requireShop(domain).theme),
    };
    if (handleAdminUi(req, res, url, adminUi)) return;

    send(res, 404, { errors: "Not Found" });
  }

  /** Multipart POST like a signed GCS/S3 form upload: the key must be one we handed out. */
  async function receiveUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const form = await new Request("http://emulator/staged-uploads", {
      method: "POST",
      headers: { "content-type": String(req.headers["content-type"] ?? "") },
      body: new Uint8Array(body),
    })
      .formData()
      .catch(() => null);
    const key = form?.get("key");
    const file = form?.get("file");
    if (
      typeof key !== "string" ||
      form?.get("x-goog-signature") !== signUploadKey(key) ||
      !file ||
      typeof file === "string"
    ) {
      res.writeHead(403, { "Content-Type": "application/xml" });
      res.end(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Invalid upload policy or signature.</Message></Error>",
      );
      return;
    }
    for (const { store } of shops.values()) {
      if (store.stagedUploads.has(key)) store.stagedUploads.set(key, Buffer.from(await file.arrayBuffer()));
    }
    res.writeHead(201, { "Content-Type": "application/xml", Location: `${origin}/staged-uploads/${key}` });
    res.end(
      `<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>${origin}/staged-uploads/${key}</Location><Bucket>shopify-staged-uploads</Bucket><Key>${key}</Key></PostResponse>`,
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const originHost = options.publicHost ?? (address.family === "IPv6" ? `[${address.address}]` : address.address);
  origin = `http://${originHost}:${address.port}`;

  const emulator: Emulator = {
    origin,
    apiVersion,
    appNamespace,
    webhooks,
    faults: { webhooks: webhooks.faults, bulk: bulk.faults, appBridge: appBridgeFaults },

    addShop(domain, shopOptions = {}) {
      if (shops.has(domain)) throw new Error(`Shopify emulator: shop ${domain} already exists`);
      const store = new ShopStore(
        domain,
        shops.size,
        shopOptions,
        (topic, payload) => announce(domain, topic, payload),
        clock,
      );
      // Definitions declared in shopify.app.toml exist as soon as the app is installed.
      for (const definition of appConfig.customerMetafields) {
        const id = newObjectId();
        store.metafieldDefinitions.set(id, { id, namespace: appNamespace, ownerType: "CUSTOMER", ...definition });
      }
      for (const { name, displayName, description, displayNameKey, fields } of appConfig.metaobjects) {
        const id = newObjectId();
        store.metaobjectDefinitions.set(id, {
          id,
          type: `${appNamespace}--${name}`,
          name: displayName,
          description,
          displayNameKey,
          fields,
        });
      }
      const accessToken = tokens.issue({ shop: domain, scope: scopes, online: false, userId: null, expiresAt: null });
      shops.set(domain, {
        store,
        bucket: new CostBucket(() => store.throttle),
        stats: emptyStats(),
        accessToken,
        theme: {},
        installed: true,
      });
      return store;
    },
    shop: (domain) => requireShop(domain).store,
    tokenGrants: tokens.issued,
    accessToken: (domain) => requireShop(domain).accessToken,
    sessionToken: (domain, tokenOptions = {}) => {
      requireShop(domain);
      return signSessionToken({ shop: domain, apiKey: options.apiKey, apiSecret: options.apiSecret, ...tokenOptions });
    },
    throttle: (domain) => requireShop(domain).bucket,
    setThrottle(domain, config) {
      requireShop(domain).store.throttle = config;
    },
    stats: (domain) => requireShop(domain).stats,
    emitWebhook: (domain, topic, payload, webhookOptions) => webhooks.send(domain, topic, payload, webhookOptions),

    uninstall(domain) {
      const state = requireShop(domain);
      webhooks.send(domain, "app/uninstalled", shopPayload(state.store));
      tokens.revokeShop(domain);
      state.installed = false;
      // Shopify cancels an uninstalled app's subscription (announcing nothing: its webhooks are gone).
      state.store.cancelAppSubscription();
    },
    subscribeApp: (domain, name, subscribeOptions = {}) =>
      requireShop(domain).store.subscribeApp(name, subscribeOptions),
    cancelAppSubscription: (domain) => requireShop(domain).store.cancelAppSubscription(),
    install(domain) {
      const state = requireShop(domain);
      state.installed = true;
      state.accessToken = tokens.issue({ shop: domain, scope: scopes, online: false, userId: null, expiresAt: null });
      return state.accessToken;
    },
    requestCustomerRedact(domain, customerId) {
      const { store } = requireShop(domain);
      const customer = store.customer(customerId);
      webhooks.send(domain, "customers/redact", {
        shop_id: store.id,
        shop_domain: domain,
        customer: { id: customerId, email: customer?.record.email ?? null, phone: customer?.record.phone ?? null },
        orders_to_redact: customer?.orders.map((o) => o.id) ?? [],
      });
    },
    requestCustomerData(domain, customerId) {
      const { store } = requireShop(domain);
      const customer = store.customer(customerId);
      webhooks.send(domain, "customers/data_request", {
        shop_id: store.id,
        shop_domain: domain,
        orders_requested: customer?.orders.map((o) => o.id) ?? [],
        customer: { id: customerId, email: customer?.record.email ?? null, phone: customer?.record.phone ?? null },
        data_request: { id: Math.floor(Math.random() * 1e9) },
      });
    },
    requestShopRedact(domain) {
      const { store } = requireShop(domain);
      webhooks.send(domain, "shop/redact", { shop_id: store.id, shop_domain: domain });
    },
    setThemeActivations(domain, activations) {
      checkActivations(themeExtensions, activations);
      requireShop(domain).theme = activations;
    },

    async idle() {
      await bulk.idle();
      await webhooks.idle();
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(resultsDir, { recursive: true, force: true });
    },
  };
  return emulator;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(json),
  });
  res.end(json);
}
