/** @jsxImportSource preact */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Api } from "@shopify/ui-extensions/admin.customer-details.block.render";
import { CustomerScoresBlock, loadCustomerBlock, type BlockState } from "./CustomerScoresBlock";

// Entry of the admin block (target admin.customer-details.block.render). Shopify's sandbox gives
// the `shopify` global: `shopify.data.selected[0].id` is the customer's GID. The block's fetch to
// the app's own URL (relative, resolved against the app URL) gets the session token from Shopify.

declare const shopify: Api;

function Block({ customerId }: { customerId: string | undefined }) {
  const [state, setState] = useState<BlockState>({ status: "loading" });
  useEffect(() => {
    let current = true;
    setState({ status: "loading" });
    void loadCustomerBlock(customerId).then((next) => {
      if (current) setState(next);
    });
    return () => {
      current = false;
    };
  }, [customerId]);
  return <CustomerScoresBlock state={state} />;
}

export default async () => {
  render(<Block customerId={shopify.data.selected[0]?.id} />, document.body);
};
