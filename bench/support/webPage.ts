import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";

/** One file a page loaded, with its size as sent and gzipped (what a compressing proxy would send). */
export interface LoadedFile {
  url: string;
  type: string;
  bytes: number;
  gzipBytes: number;
}

/** The scripts and style sheets `url` loads before the network goes idle. */
export async function firstLoad(page: Page, url: string): Promise<LoadedFile[]> {
  const files: Promise<LoadedFile | null>[] = [];
  const listener = (response: import("playwright-core").Response) => {
    const type = response.request().resourceType();
    if (type !== "script" && type !== "stylesheet" && type !== "document") return;
    files.push(
      response
        .body()
        .then((body) => ({
          url: response.url(),
          type,
          bytes: body.length,
          gzipBytes: gzipSync(body, { level: 9 }).length,
        }))
        .catch(() => null),
    );
  };
  page.on("response", listener);
  await page.goto(url, { waitUntil: "networkidle" });
  page.off("response", listener);
  return (await Promise.all(files)).filter((f): f is LoadedFile => f !== null);
}

/** Installs a long-task observer before any script runs; read with {@link longTasks}. */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
    }).observe({ type: "longtask", buffered: true });
  });
}

export async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window as unknown as { __longTasks: number[] }).__longTasks]);
}
