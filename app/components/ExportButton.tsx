import { useState } from "react";
import { Button } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";

// Downloads through fetch rather than a plain link: App Bridge adds the session token to the
// app's own fetch requests, and a top-level navigation would carry none.
export function ExportButton({
  url,
  filename,
  label = "Export members (CSV)",
}: {
  url: string;
  filename: string;
  label?: string;
}) {
  const shopify = useAppBridge();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`export failed (${response.status})`);
      const href = URL.createObjectURL(await response.blob());
      const anchor = document.createElement("a");
      anchor.href = href;
      anchor.download = filename;
      anchor.click();
      URL.revokeObjectURL(href);
      shopify.toast.show("Export downloaded");
    } catch {
      shopify.toast.show("Export failed, please try again", { isError: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={download} loading={busy}>
      {label}
    </Button>
  );
}
