// Renders the three blocks for a sample customer into one HTML page, with the extension's CSS,
// to look at in a browser: `npx tsx test/extension/render-preview.ts > /tmp/segment-blocks.html`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { collection, customer, image, product, shopWithRecommendations } from "./fixtures";
import { EXTENSION_ROOT, renderBlock } from "./liquid-harness";

const champion = customer({ segments: ["rfm-champions"] });
const shop = shopWithRecommendations({
  "rfm-champions": [product(1), product(2), product(3, { title: "Ceramic mug & saucer" }), product(4)],
});

const content = await renderBlock("segment-content", {
  settings: {
    segments: "rfm-champions",
    image,
    button_label: "See the collection",
    button_link: "/collections/spring",
  },
  customer: champion,
});
const recommendations = await renderBlock("segment-recommendations", {
  shop,
  customer: champion,
  settings: { fallback_collection: collection([]) },
});
const banner = await renderBlock("segment-banner", {
  settings: {
    banner_1_segments: "rfm-champions",
    banner_1_code: "THANKS10",
    banner_1_link_label: "Shop now",
    banner_1_link: "/collections/all",
  },
  customer: champion,
});

const css = readFileSync(path.join(EXTENSION_ROOT, "assets", "segment-blocks.css"), "utf8");
process.stdout.write(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Segment blocks preview</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}img{background:#d1d5db}${css}</style>
</head><body>
<section>${content}</section>
<section>${recommendations}</section>
${banner}
</body></html>
`);
