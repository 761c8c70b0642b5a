import { unauthenticated } from "~/shopify.server";
import { AdminClient, type AdminClientOptions, type GraphqlFn } from "~/shopify/admin-client.server";
import type { EmulatedApp } from "../helpers/emulated-app";

/** An Admin client for the emulated shop; `fault` runs before each request (to inject failures). */
export async function pushAdmin(
  env: EmulatedApp,
  { fault, ...options }: AdminClientOptions & { fault?: (query: string) => void } = {},
): Promise<AdminClient> {
  const { admin } = await unauthenticated.admin(env.shop);
  const graphql: GraphqlFn = async (query, opts) => {
    fault?.(query);
    return admin.graphql(query, opts);
  };
  return new AdminClient(graphql, options);
}
