import http from "node:http";
import type { Config } from "../config";

/** Answers while the API is not attached yet: the port is taken, the service is not ready. */
function answerStarting(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
  res.end(JSON.stringify({ status: "starting" }));
}

/**
 * Listens on `config.port` and `config.host`, answering 503 until `startServer` attaches the API
 * (it replaces the request listener). `serve` binds its port before it loads or opens anything
 * slow, so a taken port fails the start at once. Rejects with one sentence when the port cannot
 * be bound.
 */
export async function listenHttp(config: Pick<Config, "port" | "host">): Promise<http.Server> {
  const httpServer = http.createServer(answerStarting);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `port ${where} is already in use: stop what listens there, or set PORT (0 = any free port)`,
            )
          : new Error(`cannot listen on ${where}: ${error.message}`),
      );
    });
    httpServer.listen(config.port, config.host, resolve);
  });
  return httpServer;
}

/** Closes a listening HTTP server and every connection it still has (after a start, Apollo's drain closed it already). */
export async function closeHttpServer(httpServer: http.Server): Promise<void> {
  if (!httpServer.listening) return;
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeAllConnections();
  await closed;
}
