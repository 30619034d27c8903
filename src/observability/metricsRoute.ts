import { Router } from "express";
import type { LogoLabMetrics } from "./metrics";

/** GET /metrics: the Prometheus exposition of `metrics`. */
export function metricsRouter(metrics: LogoLabMetrics): Router {
  const router = Router();
  router.get("/metrics", async (_req, res, next) => {
    try {
      const { contentType, body } = await metrics.scrape();
      res.setHeader("content-type", contentType);
      res.end(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
