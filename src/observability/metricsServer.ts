import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { LogoLabMetrics } from "./metrics";
import { metricsRouter } from "./metricsRoute";

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

/**
 * `/metrics` and `/healthz` on their own port, for processes without the API (`logolab worker`):
 * Prometheus scrapes every worker where it runs.
 */
export async function startMetricsServer(
  metrics: LogoLabMetrics,
  options: { port: number; host: string; checkHealth: () => Promise<void> },
): Promise<MetricsServer> {
  const app = express();
  app.use(metricsRouter(metrics));
  app.get("/healthz", async (_req, res) => {
    try {
      await options.checkHealth();
      res.json({ status: "ok" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === "0.0.0.0" ? "127.0.0.1" : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
