import "reflect-metadata";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express from "express";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { graphqlUploadExpress } from "graphql-upload-minimal";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { authenticate, type Principal } from "./api/auth";
import { createContext, type Context, type ServerInfo, type Services } from "./api/context";
import { createErrorFormatter, type ErrorLogger } from "./api/errorMapping";
import { bodyErrorHandler, internalErrorHandler } from "./api/httpErrors";
import { MAX_QUERY_TOKENS, queryLimitsRule } from "./api/limits";
import { thumbnailRoutes } from "./api/thumbnails";
import type { Config } from "./config";
import type { Database } from "./db/database";
import { LogoLabError } from "./errors";
import type { Registry } from "./experiments/registry";
import { graphqlObservabilityPlugin, withRequestId } from "./observability/graphqlObservability";
import { createLogger, type Logger } from "./observability/logger";
import { LogoLabMetrics } from "./observability/metrics";
import { metricsRouter } from "./observability/metricsRoute";
import { requestIdMiddleware } from "./observability/requestContext";
import { buildLogoLabSchema } from "./resolvers";
import { VERSION } from "./version";
import { explorerPage, webClientRoutes } from "./web/webClient";

/** What the server needs from its caller. */
export interface ServerOptions {
  config: Config;
  database: Database;
  registry: Registry;
  services: Services;
  /** Name of the active TensorFlow.js backend, for `health.mlBackend`. */
  mlBackend: () => string;
  logError?: ErrorLogger;
  /** Where `/metrics` reads from (default: a fresh set with the API's and the process's metrics only). */
  metrics?: LogoLabMetrics;
  /** The structured log (default: JSON lines on stdout at `config.logLevel`). */
  logger?: Logger;
  /**
   * The HTTP server to serve on, already listening (`serve` binds its port first); its request
   * listeners are replaced by the API. Default: a new one listening on `config.port`.
   */
  httpServer?: http.Server;
  /** The built web client to serve at `/` and the explorer at GET `/graphql` (default web-client/dist). */
  webClientDir?: string;
}

/** A listening server. */
export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  /** Stops accepting, drains HTTP requests and websockets. Does not close the database. */
  stop(): Promise<void>;
}

/** Resolves a request's credentials; bad credentials become a 401 GraphQL error. */
async function principalOf(
  authorization: string | undefined,
  ctx: { apiKeys: Parameters<typeof authenticate>[1] },
) {
  try {
    return await authenticate(authorization, ctx.apiKeys);
  } catch (error) {
    if (error instanceof LogoLabError) {
      throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 401 } } });
    }
    throw error;
  }
}

function connectionAuthorization(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === "string" ? value : undefined;
}

/**
 * Closes websockets: asks each client to go away (1001), and ends the ones that have not closed
 * after `graceMs` (a client that never answers the close handshake would hold ws for 30 s).
 */
async function closeWebSockets(wss: WebSocketServer, dispose: () => Promise<void> | void, graceMs: number) {
  const timer = setTimeout(() => {
    for (const client of wss.clients) client.terminate();
  }, graceMs);
  try {
    await dispose();
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the HTTP + websocket server on `config.port` (0 = any free port). */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, database, registry, services } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = options.metrics ?? new LogoLabMetrics();
  const logError = options.logError ?? ((error: unknown) => logger.error({ err: error }, "unexpected error"));
  const formatError = createErrorFormatter(logError);
  const info: ServerInfo = {
    version: VERSION,
    database: database.kind,
    mlBackend: options.mlBackend,
    checkDatabase: () => database.ping(),
  };
  const schema: GraphQLSchema = await buildLogoLabSchema();
  const limits = queryLimitsRule({
    maxDepth: config.maxQueryDepth,
    maxCost: config.maxQueryCost,
    maxAliases: config.maxAliases,
    isIntrospectionEnabled: config.isIntrospectionEnabled,
  });
  // Apollo applies these to HTTP requests; graphql-ws needs them spelled out.
  const wsRules: ValidationRule[] = [
    ...specifiedRules,
    limits,
    ...(config.isIntrospectionEnabled ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  const app = express();
  const httpServer = options.httpServer ?? http.createServer();
  // 40 % of the shutdown budget for requests and sockets to finish (training workers get as much).
  const drainGraceMs = Math.max(100, Math.floor(config.shutdownTimeoutMs * 0.4));
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: config.maxBodyBytes });
  const wsServer = useServer<Record<string, unknown>, { principal: Principal | null }>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          ctx.extra.principal = await authenticate(
            connectionAuthorization(ctx.connectionParams),
            registry.apiKeys,
          );
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_QUERY_TOKENS });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, wsRules);
        if (errors.length > 0) return errors;
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName };
      },
      context: (ctx): Context => createContext(ctx.extra.principal ?? null, registry, services, info),
    },
    wss,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.isIntrospectionEnabled,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    validationRules: [limits],
    formatError: (formatted, error) => withRequestId(formatError(formatted, error)),
    // The CLI owns SIGINT/SIGTERM (src/cli/processLifecycle.ts). Apollo's own handler would call
    // stop() too; a second, concurrent stop() waits on a barrier that a successful stop never
    // resolves, so `serve` hung on every signal (outside NODE_ENV=test, where Apollo adds none).
    stopOnTerminationSignals: false,
    plugins: [
      graphqlObservabilityPlugin<Context>(metrics, logger),
      // Browsers get LogoLab's own offline explorer (src/web/webClient.ts), not Apollo's CDN page.
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: drainGraceMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await closeWebSockets(wss, () => wsServer.dispose(), drainGraceMs);
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  metrics.addCollectedGauge(
    "logolab_websocket_connections",
    "graphql-ws connections open (each carries its subscriptions)",
    () => wss.clients.size,
  );

  app.use(requestIdMiddleware);
  app.use(metricsRouter(metrics));
  app.get("/healthz", async (_req, res) => {
    try {
      await database.ping();
      res.json({ status: "ok", version: VERSION, database: database.kind });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  const web = { distDir: options.webClientDir, isExplorerEnabled: config.isIntrospectionEnabled };
  app.get("/graphql", explorerPage(web));
  app.use(
    "/graphql",
    cors(),
    // Multipart uploads (classifyImage's `image`); Apollo's CSRF guard asks such requests for a
    // preflight header (apollo-require-preflight).
    graphqlUploadExpress({ maxFileSize: config.maxBodyBytes, maxFiles: 1 }),
    express.json({ limit: config.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const principal = await principalOf(req.headers.authorization, { apiKeys: registry.apiKeys });
        return createContext(principal, registry, services, info);
      },
    }),
  );
  app.use(bodyErrorHandler);
  app.use(thumbnailRoutes(registry));
  app.use(webClientRoutes(web));
  // Last: whatever no route above answered with an error gets the GraphQL error shape, no stack.
  app.use(internalErrorHandler(logError));

  if (options.httpServer) {
    // It listens already (src/cli/httpPort.ts), answering 503 until now.
    httpServer.removeAllListeners("request");
    httpServer.on("request", app);
  } else {
    httpServer.on("request", app);
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, resolve);
    });
  }
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () => apollo.stop(),
  };
}
