import type { Config } from "../config";
import type { Database } from "../db/database";
import { VERSION } from "../version";
import { closeHttpServer, listenHttp } from "./httpPort";
import { ProcessLifecycle } from "./processLifecycle";

// The database layer, the platform and the server are loaded only once the step before them has
// succeeded: loading them all takes seconds on a busy machine, and a start that fails (port taken,
// database unreachable) should say so at once.

/** Creates and prints an admin key when the embedded database has none (first start). */
async function ensureAdminKey(database: Database): Promise<void> {
  const { createRegistry } = await import("../experiments/registry.js");
  const registry = createRegistry(database.prisma);
  if (database.kind !== "embedded" || (await registry.apiKeys.hasActiveAdmin())) return;
  const { secret } = await registry.apiKeys.create("ADMIN", "local admin (created on first start)");
  console.log(
    `\nCreated the local admin API key (shown only this once; \`logolab keys create --role admin\` makes more):\n` +
      `  LOGOLAB_ADMIN_KEY=${secret}\n`,
  );
}

/**
 * `logolab serve`: the GraphQL API with its training workers, until SIGTERM/SIGINT. Its port is
 * bound first, so a taken port fails the start at once; a start that fails closes what it opened
 * (the embedded database's lock included) and the command exits 1.
 */
export async function serve(config: Config): Promise<void> {
  const lifecycle = new ProcessLifecycle({ timeoutMs: config.shutdownTimeoutMs });
  await lifecycle.start(async () => {
    const httpServer = lifecycle.own("the HTTP port", await listenHttp(config), closeHttpServer);
    const { openDatabase } = await import("../db/database.js");
    const database = lifecycle.own(
      "the database",
      await openDatabase(config, { command: "logolab serve", access: "owner", isShared: true }),
      (d) => d.close(),
    );
    await ensureAdminKey(database);
    const [{ activeBackend, selectBackend }, { startPlatform }, { ensureDefaultDataset }, { startServer }] =
      await Promise.all([
        import("../ml/backend.js"),
        import("./platform.js"),
        import("../preparation/defaultDataset.js"),
        import("../server.js"),
      ]);
    const ml = await selectBackend(config.mlBackend);
    const platform = lifecycle.own(
      "training workers, queue, event bus and inference",
      await startPlatform(config, database, { workerCount: config.workers }),
      (p) => p.stop(),
    );
    const { registry, services } = platform;
    lifecycle.own("dataset preparations", services.preparation, (p) => p.interruptSynthetic());
    if (lifecycle.isStopping) return;
    // Before serving, so a request cannot register a dataset that the clean-up then marks failed.
    const { abandonedCount, generating } = await ensureDefaultDataset(
      registry.datasets,
      services.preparation,
      {
        databaseKind: database.kind,
        isEnabled: config.isDefaultDatasetEnabled,
      },
    );
    if (abandonedCount > 0) console.log(`marked ${abandonedCount} interrupted dataset preparation(s) FAILED`);
    if (generating) {
      console.log(
        `generating the default dataset ${generating.name} in the background (id ${generating.id}); see \`datasets\``,
      );
    }
    const server = lifecycle.own(
      "HTTP requests and websockets",
      await startServer({
        config,
        database,
        registry,
        services,
        mlBackend: activeBackend,
        httpServer,
        metrics: platform.metrics,
      }),
      (s) => s.stop(),
    );
    await database.advertise({ apiUrl: server.url });
    console.log(
      `LogoLab ${VERSION} on ${server.url}/graphql, web client ${server.url}/ (database: ${database.kind}, ` +
        `ML backend: ${ml.backend}, training workers: ${config.workers})`,
    );
  });
}

/** `logolab worker`: one training worker on the shared Postgres queue, until SIGTERM/SIGINT. */
export async function work(config: Config): Promise<void> {
  if (!config.databaseUrl) {
    throw new Error(
      "`logolab worker` needs DATABASE_URL: the embedded database is opened by one process only " +
        "(`logolab serve` runs its own workers: LOGOLAB_WORKERS)",
    );
  }
  const lifecycle = new ProcessLifecycle({ timeoutMs: config.shutdownTimeoutMs });
  await lifecycle.start(async () => {
    const { openDatabase } = await import("../db/database.js");
    const database = lifecycle.own("the database", await openDatabase(config), (d) => d.close());
    const [{ selectBackend }, { startPlatform }] = await Promise.all([
      import("../ml/backend.js"),
      import("./platform.js"),
    ]);
    const ml = await selectBackend(config.mlBackend);
    const platform = lifecycle.own(
      "the training worker, queue and event bus",
      await startPlatform(config, database, { workerCount: 1 }),
      (p) => p.stop(),
    );
    if (config.metricsPort !== undefined) {
      const { startMetricsServer } = await import("../observability/metricsServer.js");
      const metricsServer = lifecycle.own(
        "the metrics port",
        await startMetricsServer(platform.metrics, {
          port: config.metricsPort,
          host: config.host,
          checkHealth: () => database.ping(),
        }),
        (s) => s.close(),
      );
      console.log(`metrics on ${metricsServer.url}/metrics`);
    }
    console.log(
      `LogoLab worker ${platform.training.workers[0].workerId} waiting for training jobs (ML backend: ${ml.backend})`,
    );
  });
}
