import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { authenticate } from "~/shopify.server";
import { env } from "~/env.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

// Every /app route sits under this layout, so this is the authentication gate for all of them.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  const { shopifyApiKey, shopifyAdminOrigin } = env();
  // Against the local Shopify emulator, App Bridge comes from the emulated admin; in production
  // it is Shopify's CDN script (AppProvider's default).
  return shopifyAdminOrigin
    ? { apiKey: shopifyApiKey, appBridgeUrl: `${shopifyAdminOrigin}/app-bridge.js` }
    : { apiKey: shopifyApiKey };
};

export default function App() {
  const data = useLoaderData<typeof loader>();
  const appBridgeUrl = "appBridgeUrl" in data ? data.appBridgeUrl : undefined;
  return (
    <AppProvider isEmbeddedApp apiKey={data.apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Overview
        </Link>
        <Link to="/app/segments">Segments</Link>
        <Link to="/app/cohorts">Cohorts</Link>
        <Link to="/app/rules/new">New rule segment</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs its own boundary to carry auth redirects (exit-iframe, bounce) through errors.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
