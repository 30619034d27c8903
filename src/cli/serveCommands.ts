import type { Config } from "../config";
import { openDatabase, type Database } from "../db/database";
import { createRegistry } from "../experiments/registry";
import { ensureDefaultDataset } from "../preparation/defaultDataset";
import { activeBackend, selectBackend } from "../ml/backend";
import { startServer } from "../server";
import { VERSION } from "../version";
import { startPlatform } from "./platform";

/** Creates and prints an admin key when the embedded database has none (first start). */
async function ensureAdminKey(database: Database): Promise<void> {
  const registry = createRegistry(database.prisma);
  if (database.kind !== "embedded" || (await registry.apiKeys.hasActiveAdmin())) return;
  const { secret } = await registry.apiKeys.create("ADMIN", "local admin (created on first start)");
  console.log(
    `\nCreated the local admin API key (shown only this once; \`logolab keys create --role admin\` makes more):\n` +
      `  LOGOLAB_ADMIN_KEY=${secret}\n`,
  );
}

/** Runs `close` once on SIGTERM/SIGINT, then exits. */
function onShutdown(close: () => Promise<void>): void {
  let isStopping = false;
  const shutdown = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    console.log(`${signal}: finishing in-flight work and closing…`);
    await close();
    process.exit(0);
  };
  // `on`, not `once`: a dependency re-raises the signal when it sees no other listener left,
  // which would end the process before the clean-up finishes.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** `logolab serve`: the GraphQL API with its training workers, until SIGTERM/SIGINT. */
export async function serve(config: Config): Promise<void> {
  const database = await openDatabase(config);
  await ensureAdminKey(database);
  const ml = await selectBackend(config.mlBackend);
  const platform = await startPlatform(config, database, { workerCount: config.workers });
  const { registry, services } = platform;
  // Before serving, so a request cannot register a dataset that the clean-up then marks failed.
  const { abandonedCount, generating } = await ensureDefaultDataset(registry.datasets, services.preparation, {
    databaseKind: database.kind,
    isEnabled: config.isDefaultDatasetEnabled,
  });
  if (abandonedCount > 0) console.log(`marked ${abandonedCount} interrupted dataset preparation(s) FAILED`);
  if (generating) {
    console.log(
      `generating the default dataset ${generating.name} in the background (id ${generating.id}); see \`datasets\``,
    );
  }
  const server = await startServer({
    config,
    database,
    registry,
    services,
    mlBackend: activeBackend,
  });
  console.log(
    `LogoLab ${VERSION} on ${server.url}/graphql (database: ${database.kind}, ML backend: ${ml.backend}, ` +
      `training workers: ${config.workers})`,
  );
  onShutdown(async () => {
    await services.preparation.interruptSynthetic();
    await server.stop();
    await platform.stop();
    await database.close();
  });
}

/** `logolab worker`: one training worker on the shared Postgres queue, until SIGTERM/SIGINT. */
export async function work(config: Config): Promise<void> {
  if (!config.databaseUrl) {
    throw new Error("`logolab worker` needs DATABASE_URL: the embedded database serves one process only");
  }
  const database = await openDatabase(config);
  const ml = await selectBackend(config.mlBackend);
  const platform = await startPlatform(config, database, { workerCount: 1 });
  console.log(
    `LogoLab worker ${platform.training.workers[0].workerId} waiting for training jobs (ML backend: ${ml.backend})`,
  );
  onShutdown(async () => {
    await platform.stop();
    await database.close();
  });
}
