import { describe, expect, it } from "vitest";
import { AdminApiError, AdminClient, type GraphqlFn } from "~/shopify/admin-client.server";

// Calls that must not run twice (Flow triggers): retried only when Shopify certainly ran nothing.

const ok = () => new Response(JSON.stringify({ data: { ok: true } }));
/** A GraphqlFn failing with `failures` in turn, then answering. */
function scripted(failures: (() => never)[]): { graphql: GraphqlFn; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    graphql: async () => {
      const fail = failures[calls++];
      if (fail) fail();
      return ok();
    },
  };
}
const networkError = () => {
  throw new TypeError("fetch failed");
};
const throttled = () => {
  // @shopify/shopify-api's GraphqlQueryError for a THROTTLED answer.
  throw Object.assign(new Error("Throttled"), {
    name: "GraphqlQueryError",
    body: { errors: { graphQLErrors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }] } },
  });
};
const noSleep = { sleep: async () => {} };

describe("AdminClient atMostOnce", () => {
  it("retries a network failure of an ordinary call", async () => {
    const { graphql, calls } = scripted([networkError]);
    await expect(new AdminClient(graphql, noSleep).request("mutation { x }")).resolves.toEqual({ ok: true });
    expect(calls()).toBe(2);
  });

  it("does not retry a failure after which Shopify may have run the call, and says so", async () => {
    const { graphql, calls } = scripted([networkError]);
    const error = await new AdminClient(graphql, noSleep)
      .request("mutation { x }", {}, { atMostOnce: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminApiError);
    expect((error as AdminApiError).ambiguous).toBe(true);
    expect(calls()).toBe(1);
  });

  it("still retries THROTTLED, which Shopify never ran", async () => {
    const { graphql, calls } = scripted([throttled, throttled]);
    const client = new AdminClient(graphql, noSleep);
    await expect(client.request("mutation { x }", {}, { atMostOnce: true })).resolves.toEqual({ ok: true });
    expect(calls()).toBe(3);
    expect(client.usage.throttled).toBe(2);
  });
});
