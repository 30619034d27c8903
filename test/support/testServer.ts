import { PrismaPg } from "@prisma/adapter-pg";
import { startPlatform, type Platform } from "../../src/cli/platform";
import { PrismaClient } from "../../src/generated/prisma/client";
import { createRegistry, type Registry } from "../../src/experiments/registry";
import { activeBackend, selectBackend } from "../../src/ml/backend";
import type { Logger } from "../../src/observability/logger";
import { startServer, type RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "./testDatabase";

/** Secrets of one key per role. */
export interface TestKeys {
  viewer: string;
  service: string;
  engineer: string;
  admin: string;
}

/** A GraphQL response as JSON plus its HTTP status. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

/** A real server on a real (scratch) Postgres database, with a key per role. */
export interface TestServer {
  url: string;
  graphqlUrl: string;
  db: TestDatabase;
  registry: Registry;
  platform: Platform;
  keys: TestKeys;
  /** SQL statements the API's registry sent since the last `reset()` (with `countStatements`). */
  statements: { count(): number; reset(): void; texts(): string[] };
  /** POSTs a GraphQL operation with `key` as Bearer token (none when undefined). */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /**
   * Serve the API through a registry whose Prisma client logs every statement it sends, counted by
   * `statements` (the platform's writes go through the usual client and are not counted).
   */
  countStatements?: boolean;
  /** The server's structured log (default: one at the configuration's level, silent in tests). */
  logger?: Logger;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const db = await createTestDatabase(env);
  const registry = createRegistry(db.database.prisma);
  const sent: string[] = [];
  const countingPrisma = options.countStatements
    ? new PrismaClient({
        adapter: new PrismaPg({ connectionString: db.config.databaseUrl!, max: 4 }),
        log: [{ emit: "event", level: "query" }],
      })
    : undefined;
  countingPrisma?.$on("query", (event) => sent.push(event.query));
  const apiRegistry = countingPrisma ? createRegistry(countingPrisma) : registry;
  const [viewer, service, engineer, admin] = await Promise.all(
    (["VIEWER", "SERVICE", "ENGINEER", "ADMIN"] as const).map((role) =>
      registry.apiKeys.create(role, `test ${role}`),
    ),
  );
  let server: RunningServer;
  let platform: Platform | undefined;
  const logError = process.env.LOGOLAB_TEST_LOG_ERRORS ? console.error : () => {};
  try {
    await selectBackend(db.config.mlBackend);
    platform = await startPlatform(db.config, db.database, { workerCount: db.config.workers, logError });
    server = await startServer({
      config: db.config,
      database: db.database,
      registry: apiRegistry,
      services: platform.services,
      mlBackend: activeBackend,
      logError,
      metrics: platform.metrics,
      logger: options.logger,
    });
  } catch (error) {
    await platform?.stop();
    await countingPrisma?.$disconnect();
    await db.close();
    throw error;
  }
  const graphqlUrl = `${server.url}/graphql`;
  return {
    url: server.url,
    graphqlUrl,
    db,
    registry,
    platform: platform!,
    keys: { viewer: viewer.secret, service: service.secret, engineer: engineer.secret, admin: admin.secret },
    statements: {
      count: () => sent.length,
      reset: () => void sent.splice(0),
      texts: () => [...sent],
    },
    async gql(query, variables, key) {
      const response = await fetch(graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json()) };
    },
    async stop() {
      await server.stop();
      await platform!.stop();
      await countingPrisma?.$disconnect();
      await db.close();
    },
  };
}
