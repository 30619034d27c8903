import fs from "node:fs";
import path from "node:path";
import type { Config } from "../../src/config";
import type { Database } from "../../src/db/database";
import type { Registry } from "../../src/experiments/registry";
import type { Platform } from "../../src/cli/platform";
import type { RunningServer } from "../../src/server";
import {
  activeBackend,
  createRegistry,
  loadConfig,
  openDatabase,
  selectBackend,
  startPlatform,
  startServer,
} from "./builtModules";
import { createScratchDatabase } from "../../test/support/scratchDatabase";

/** A GraphQL response body. */
export interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** LogoLab as `npm start` runs it (server + one in-process worker) on a scratch database. */
export interface BenchServer {
  config: Config;
  database: Database;
  registry: Registry;
  platform: Platform;
  graphqlUrl: string;
  /** An ENGINEER key (imports, experiments, runs), a VIEWER key (subscriptions), a SERVICE key (classifyImage). */
  keys: { engineer: string; viewer: string; service: string };
  /** POSTs an operation with the engineer key; throws on GraphQL errors. */
  gql<T>(query: string, variables: Record<string, unknown>): Promise<T>;
  /** Stops server, workers and queue, closes and drops the database, removes the home directory. */
  stop(): Promise<void>;
}

/** Options of {@link startBenchServer}. */
export interface BenchServerOptions {
  /** Prefix of the scratch database's name. */
  databaseName: string;
  /** Where the runtime and server report unexpected errors (default: their own default, the console). */
  logError?: (error: unknown) => void;
}

/**
 * Starts the stack the way test/support/testServer.ts does: scratch database, migrations, registry,
 * job runtime with `LOGOLAB_WORKERS` workers, HTTP + websocket server on a free port, LOGOLAB_HOME in
 * a fresh folder under `workDir`.
 * Whatever was started is torn down again if a later step fails.
 */
export async function startBenchServer(
  workDir: string,
  env: Record<string, string>,
  { databaseName, logError }: BenchServerOptions,
): Promise<BenchServer> {
  const scratch = await createScratchDatabase(databaseName);
  const home = fs.mkdtempSync(path.join(workDir, "home-"));
  let database: Database | undefined;
  let platform: Platform | undefined;
  let server: RunningServer | undefined;
  const stop = async () => {
    try {
      await server?.stop();
      await platform?.stop();
      await database?.close();
    } finally {
      await scratch.drop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    const config = loadConfig({
      DATABASE_URL: scratch.url,
      PORT: "0",
      LOGOLAB_HOME: home,
      LOGOLAB_DEFAULT_DATASET: "false",
      ...env,
    });
    database = await openDatabase(config);
    const registry = createRegistry(database.prisma);
    const [engineer, viewer, service] = await Promise.all([
      registry.apiKeys.create("ENGINEER", "bench engineer"),
      registry.apiKeys.create("VIEWER", "bench subscribers"),
      registry.apiKeys.create("SERVICE", "bench classifyImage"),
    ]);
    await selectBackend(config.mlBackend);
    platform = await startPlatform(config, database, { workerCount: config.workers, logError });
    server = await startServer({
      config,
      database,
      registry,
      services: platform.services,
      mlBackend: activeBackend,
      logError,
    });
    const graphqlUrl = `${server.url}/graphql`;
    return {
      config,
      database,
      registry,
      platform,
      graphqlUrl,
      keys: { engineer: engineer.secret, viewer: viewer.secret, service: service.secret },
      async gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
        const response = await fetch(graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${engineer.secret}` },
          body: JSON.stringify({ query, variables }),
        });
        const result = (await response.json()) as GraphQLResult<T>;
        if (result.errors?.length || !result.data) {
          throw new Error(`GraphQL request failed: ${JSON.stringify(result.errors ?? result)}`);
        }
        return result.data;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
