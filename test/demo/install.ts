import type { Emulator } from "../shopify-emulator";

// Opens the embedded app the way Shopify admin does after a merchant installs it: App Bridge
// sends a session token to the app, the app exchanges it for an offline access token (token
// exchange against the emulator) and its afterAuth hook records the shop and queues back-fill.

// A browser's user agent: the app rejects requests from bots (isbot), and node's fetch is one.
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

export async function installApp(emu: Emulator, shop: string, appUrl: string): Promise<void> {
  const token = emu.sessionToken(shop);
  const response = await fetch(`${appUrl}/app`, {
    headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER },
  });
  if (!response.ok) {
    const body = (await response.text()).slice(0, 500);
    throw new Error(`installing the app failed: GET ${appUrl}/app answered ${response.status}: ${body}`);
  }
}
