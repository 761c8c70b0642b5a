import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { authenticate } from "~/shopify.server";
import { env } from "~/env.server";
import type { AppBridgeHandle } from "~/root";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

// Documents under /app are the embedded admin: root.tsx puts App Bridge first in their <head>.
export const handle: AppBridgeHandle = { appBridge: true };

// Every /app route sits under this layout, so this is the authentication gate for all of them.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return { apiKey: env().shopifyApiKey };
};

export default function App() {
  const data = useLoaderData<typeof loader>();
  // isEmbeddedApp={false} only stops AppProvider from adding a second App Bridge tag (in <body>):
  // root.tsx has already loaded it first in <head>. The app is embedded all the same.
  return (
    <AppProvider isEmbeddedApp={false} apiKey={data.apiKey}>
      <NavMenu>
        <Link to="/app" rel="home">
          Overview
        </Link>
        <Link to="/app/segments">Segments</Link>
        <Link to="/app/cohorts">Cohorts</Link>
        <Link to="/app/results">Results</Link>
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
