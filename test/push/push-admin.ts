import { unauthenticated } from "~/shopify.server";
import { AdminClient, type AdminClientOptions, type GraphqlFn } from "~/shopify/admin-client.server";
import type { EmulatedApp } from "../helpers/emulated-app";
import type { MetaobjectDouble } from "./metaobject-double";

/** An Admin client for the shop whose metaobject calls go to `metaobjects`, the rest to the emulator. */
export async function pushAdmin(
  env: EmulatedApp,
  metaobjects: MetaobjectDouble,
  { fault, ...options }: AdminClientOptions & { fault?: (query: string) => void } = {},
): Promise<AdminClient> {
  const { admin } = await unauthenticated.admin(env.shop);
  const graphql: GraphqlFn = async (query, opts) => {
    fault?.(query);
    return admin.graphql(query, opts);
  };
  return new AdminClient(metaobjects.wrap(graphql), options);
}
