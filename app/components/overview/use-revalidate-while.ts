import { useEffect } from "react";
import { useRevalidator } from "@remix-run/react";

/** While `active`, reloads the page's data every few seconds (skipping a tick while one is in flight). */
export function useRevalidateWhile(active: boolean, everyMs = 3000): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs, revalidator]);
}
