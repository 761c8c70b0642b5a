import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "~/shopify.server";
import { RouteError } from "~/components/RouteError";

// Unknown paths under /app: a "not found" page inside the admin layout (with App Bridge and the
// nav menu) instead of Remix's bare 404, which would have neither.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  throw new Response("Not Found", { status: 404 });
};

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <RouteError />;
}
