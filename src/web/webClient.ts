import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Request, type RequestHandler, type Response } from "express";

/** Where `npm run build` puts the web client and the explorer (web-client/dist). */
export const WEB_CLIENT_DIST = path.resolve(__dirname, "..", "..", "web-client", "dist");

/** Hashed, content-addressed files: cached for a year and never revalidated. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The HTML entry points name the current hashes, so a browser must revalidate them every time. */
const REVALIDATE = "no-cache";

/**
 * The Content-Security-Policy of the HTML pages: scripts, styles, fonts and images only from
 * LogoLab itself (inline style attributes allowed: React and GraphiQL set them; images also from
 * `blob:` and `data:` for thumbnails and previews), requests only to this origin and its
 * websocket, no plugins, no framing, no foreign form targets or base URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** What the web routes need to know. */
export interface WebClientOptions {
  /** The built web client (default {@link WEB_CLIENT_DIST}). */
  distDir?: string;
  /** Whether the GraphQL explorer is on (it follows the introspection switch). */
  isExplorerEnabled: boolean;
}

/** Whether a request is a browser navigation (it prefers HTML to JSON). */
export function wantsHtml(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const preferred = req.accepts(["application/graphql-response+json", "application/json", "text/html"]);
  return preferred === "text/html";
}

function sendEntry(res: Response, file: string) {
  if (!existsSync(file)) {
    res
      .status(503)
      .type("text/plain")
      .send("The web client is not built: run `npm run build` (it builds web-client/ with Vite).\n");
    return;
  }
  res.setHeader("Cache-Control", REVALIDATE);
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.sendFile(file);
}

/**
 * GET /graphql from a browser: the offline GraphiQL explorer (bundled by Vite, no CDN) when
 * introspection is on, a 404 saying why when it is off. Other requests go on to the API.
 */
export function explorerPage(options: WebClientOptions): RequestHandler {
  const page = path.join(options.distDir ?? WEB_CLIENT_DIST, "explorer.html");
  return (req, res, next) => {
    if (!wantsHtml(req) || typeof req.query.query === "string") return next();
    if (!options.isExplorerEnabled) {
      res
        .status(404)
        .type("text/plain")
        .send("The GraphQL explorer is off because introspection is off (LOGOLAB_INTROSPECTION=false).\n");
      return;
    }
    sendEntry(res, page);
  };
}

/**
 * The web client: hashed assets under /assets (immutable), other built files (no-cache), and
 * index.html (no-cache) for every other browser navigation, so client-side routes load by URL.
 */
export function webClientRoutes(options: WebClientOptions): express.Router {
  const distDir = options.distDir ?? WEB_CLIENT_DIST;
  const router = express.Router();
  router.use(
    express.static(distDir, {
      index: false,
      fallthrough: true,
      setHeaders(res, file) {
        const isAsset = path.relative(distDir, file).split(path.sep)[0] === "assets";
        res.setHeader("Cache-Control", isAsset ? IMMUTABLE : REVALIDATE);
      },
    }),
  );
  router.use("/assets", (_req, res) => {
    res.status(404).type("text/plain").send("no such asset\n");
  });
  router.get(/.*/, (req, res, next) => {
    if (!wantsHtml(req)) return next();
    sendEntry(res, path.join(distDir, "index.html"));
  });
  return router;
}
