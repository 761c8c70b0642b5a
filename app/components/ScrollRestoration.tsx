import { UNSAFE_useScrollRestoration as useScrollRestoration } from "react-router-dom";

// Remix's <ScrollRestoration> minus its inline script: that script reads sessionStorage before
// hydration and, when the read throws (the admin's cross-site frame with third-party storage
// blocked), calls sessionStorage again in its catch, an uncaught SecurityError on every page
// load. The hook is the part that does the work (top of page on new locations, positions kept
// in memory for back/forward) and guards its own storage access; Remix's component calls the
// same hook with the same key. react-router-dom is pinned to the version @remix-run/react pins.
export function ScrollRestoration() {
  useScrollRestoration({ storageKey: "positions" });
  return null;
}
