// Starts the emulator with one seeded shop, for the demo and manual poking:
//   npx tsx test/shopify-emulator/cli.ts --port 4000 --customers 5000 [--shop demo.myshopify.com]
//     [--seed demo] [--plan standard] [--currency USD] [--timezone America/New_York]
//     [--app-url http://127.0.0.1:3000]
// API key/secret come from SHOPIFY_API_KEY / SHOPIFY_API_SECRET (as the app reads them).
import { parseArgs } from "node:util";
import { startEmulator } from "./server";
import type { PlanName } from "./store";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4000" },
    host: { type: "string", default: "127.0.0.1" },
    customers: { type: "string", default: "5000" },
    shop: { type: "string", default: "demo.myshopify.com" },
    seed: { type: "string", default: "demo" },
    plan: { type: "string", default: "standard" },
    currency: { type: "string", default: "USD" },
    timezone: { type: "string", default: "America/New_York" },
    "app-url": { type: "string", default: process.env.SHOPIFY_APP_URL ?? "http://127.0.0.1:3000" },
  },
});

const emulator = await startEmulator({
  port: Number(values.port),
  host: values.host,
  apiKey: process.env.SHOPIFY_API_KEY ?? "demo-api-key",
  apiSecret: process.env.SHOPIFY_API_SECRET ?? "demo-api-secret",
  appUrl: values["app-url"],
});
const store = emulator.addShop(values.shop, {
  customers: Number(values.customers),
  seed: values.seed,
  plan: values.plan as PlanName,
  currency: values.currency,
  timezone: values.timezone,
});

console.log(
  JSON.stringify(
    {
      origin: emulator.origin,
      shop: store.domain,
      customers: store.generator.customerCount,
      guestCheckouts: store.generator.guestCount,
      accessToken: emulator.accessToken(store.domain),
      sessionToken: emulator.sessionToken(store.domain, { lifetimeSeconds: 3600 }),
      hint: `SHOPIFY_ADMIN_ORIGIN=${emulator.origin}`,
    },
    null,
    2,
  ),
);

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
