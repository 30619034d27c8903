import type { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { currentRequestId } from "./requestContext";

export type { Logger } from "pino";

/**
 * Fields never written, wherever they appear: credentials (API keys travel in `authorization`;
 * `secret` is a key's one-time secret) and request payloads (`variables` carry base64 images).
 */
const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "secret",
  "*.secret",
  "variables",
  "*.variables",
  "image",
  "*.image",
];

/**
 * LogoLab's structured log: one JSON object per line, with the current request's id (`requestId`)
 * on every line written while a request is being served.
 */
export function createLogger(options: { level?: string; destination?: Writable } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "logolab", pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
