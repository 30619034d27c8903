import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

/** A tiny history router: every view's state lives in the URL (path + search parameters). */
const EVENT = "logolab:navigate";

function subscribe(onChange: () => void) {
  window.addEventListener("popstate", onChange);
  window.addEventListener(EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(EVENT, onChange);
  };
}

const href = () => location.pathname + location.search;

/** The current path and search, re-rendering on navigation. */
export function useLocation(): { path: string; params: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, href);
  const url = new URL(current, location.origin);
  return { path: url.pathname, params: url.searchParams };
}

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === href()) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

/** Sets (or, with "" / undefined, removes) search parameters of the current URL, replacing the entry. */
export function setParams(changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === "") params.delete(name);
    else params.set(name, value);
  }
  const search = params.toString();
  navigate(location.pathname + (search ? `?${search}` : ""), { replace: options.replace ?? true });
}

/** An anchor that navigates without reloading (ctrl/cmd-click still opens a tab). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    navigate(props.href);
  };
  return createElement("a", { ...props, onClick });
}
