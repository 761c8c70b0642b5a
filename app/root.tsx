import type { ReactNode } from "react";
import { Links, Meta, Outlet, Scripts, useMatches, useRouteLoaderData } from "@remix-run/react";
import { ScrollRestoration } from "~/components/ScrollRestoration";
import { appBridgeScript } from "~/shopify/app-bridge.server";

// The App Bridge tag comes from here, not from AppProvider: Shopify wants it as the first script
// in <head>, and only the root document renders <head>. The root loader always answers (it does
// not authenticate), so the tag is there on error and boundary pages of /app as well.
export const loader = () => ({ appBridge: appBridgeScript() });

// The tag's data never changes while the server runs: no refetch on client navigations.
export const shouldRevalidate = () => false;

/** Set by the routes whose documents belong in the Shopify admin (the /app layout). */
export interface AppBridgeHandle {
  appBridge?: boolean;
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const embedded = useMatches().some((match) => (match.handle as AppBridgeHandle | undefined)?.appBridge);
  const appBridge = embedded ? data?.appBridge : undefined;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        {appBridge && <script src={appBridge.src} data-api-key={appBridge.apiKey} />}
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="preconnect" href="https://cdn.shopify.com/" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}
