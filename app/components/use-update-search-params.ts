import { useNavigate, useSearchParams } from "@remix-run/react";

/** Navigates to the current URL with some query parameters set (null removes one), keeping the scroll position. */
export function useUpdateSearchParams(): (changes: Record<string, string | null>) => void {
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  return (changes) => {
    const next = new URLSearchParams(searchParams);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    navigate(`?${next.toString()}`, { preventScrollReset: true });
  };
}
