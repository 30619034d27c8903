/** The API key a browser user entered, kept in localStorage (never in a URL); shared by the client and the explorer. */
const STORAGE_KEY = "logolab.apiKey";

export function readApiKey(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

export function storeApiKey(key: string): void {
  try {
    if (key) localStorage.setItem(STORAGE_KEY, key);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused (private mode): the key lives for this page only.
  }
}

/** The `authorization` header value of a key, or undefined without one. */
export function bearer(key: string): string | undefined {
  return key ? `Bearer ${key}` : undefined;
}

/** ws:// or wss:// URL of the API's subscription socket, on the page's own origin. */
export function socketUrl(path = "/graphql"): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
