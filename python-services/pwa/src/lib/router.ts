// A history-API router: five routes, no library. The hub answers index.html on every client
// path, so a deep link (/sessions/<id>, /pair?code=...) opens the right screen directly.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { name: "inbox" }
  | { name: "capture-detail"; id: string }
  | { name: "capture" }
  | { name: "sessions" }
  | { name: "session"; id: string }
  | { name: "settings" }
  | { name: "pair" }
  | { name: "not-found" };

export function parse(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "inbox" };
  const [head, id, ...rest] = parts;
  if (rest.length) return { name: "not-found" };
  if (head === "captures" && id) return { name: "capture-detail", id };
  if (head === "sessions") return id ? { name: "session", id } : { name: "sessions" };
  if (!id && head === "capture") return { name: "capture" };
  if (!id && head === "settings") return { name: "settings" };
  if (!id && head === "pair") return { name: "pair" };
  return { name: "not-found" };
}

const listeners = new Set<() => void>();
addEventListener("popstate", () => listeners.forEach((fn) => fn()));

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((fn) => fn());
  if (!replace) scrollTo(0, 0);
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Follow a click on an in-app link without reloading (modifier keys keep the browser's way). */
export function linkClick(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
