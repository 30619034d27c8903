import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium (`.ci/run` installs it); never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium and the requests its pages sent that left 127.0.0.1. */
export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own localStorage) whose requests are checked. */
  newPage(): Promise<{ page: Page; context: BrowserContext }>;
  /** URLs requested anywhere but 127.0.0.1 (or data:/blob:), by any page so far. */
  outsideRequests: string[];
  /** Errors thrown on any page (uncaught exceptions). */
  pageErrors: string[];
  close(): Promise<void>;
}

function isLocal(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith("about:")) return true;
  try {
    return new URL(url).hostname === "127.0.0.1";
  } catch {
    return false;
  }
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  const outsideRequests: string[] = [];
  const pageErrors: string[] = [];
  return {
    browser,
    outsideRequests,
    pageErrors,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Refuse (and record) anything that would leave the machine.
      await context.route(
        (url) => !isLocal(url.toString()),
        (route) => {
          outsideRequests.push(route.request().url());
          return route.abort();
        },
      );
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      // A Content-Security-Policy violation is a console error, not a page error: count it as one.
      page.on("console", (message) => {
        if (message.type() === "error" && /Content Security Policy/i.test(message.text()))
          pageErrors.push(`CSP: ${message.text()}`);
      });
      return { page, context };
    },
    close: () => browser.close(),
  };
}
