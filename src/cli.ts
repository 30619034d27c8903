import "reflect-metadata";
import { Command, InvalidArgumentError } from "commander";
import { loadConfig, type Config } from "./config";
import { openDatabase, type Database } from "./db/database";
import { migrate } from "./db/migrate";
import { startEmbeddedPostgres } from "./db/embeddedPostgres";
import { ROLES, type RoleName } from "./api/roles";
import { registerDatasetCommands } from "./cliDataset";
import { createRegistry } from "./experiments/registry";
import { ensureDefaultDataset } from "./jobs/defaultDataset";
import { startJobRuntime } from "./jobs/runtime";
import { activeBackend, selectBackend } from "./ml/backend";
import { reproduceCommand } from "./cliReproduce";
import { startServer } from "./server";
import { VERSION } from "./version";

function parseRole(value: string): RoleName {
  const role = value.toUpperCase();
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidArgumentError(`role must be one of ${ROLES.map((r) => r.toLowerCase()).join(", ")}`);
  }
  return role as RoleName;
}

/** Opens the configured database, runs `work`, and always closes it. */
async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(config);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

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

async function serve(config: Config): Promise<void> {
  const database = await openDatabase(config);
  await ensureAdminKey(database);
  const ml = await selectBackend(config.mlBackend);
  const registry = createRegistry(database.prisma);
  const runtime = await startJobRuntime(config, database, registry, { workerCount: config.workers });
  // Before serving, so a request cannot register a dataset that the clean-up then marks failed.
  const { abandonedCount, generating } = await ensureDefaultDataset(
    registry.datasets,
    runtime.jobs.datasets,
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
  const server = await startServer({
    config,
    database,
    registry,
    jobs: runtime.jobs,
    mlBackend: activeBackend,
  });
  console.log(
    `LogoLab ${VERSION} on ${server.url}/graphql (database: ${database.kind}, ML backend: ${ml.backend}, ` +
      `training workers: ${config.workers})`,
  );
  onShutdown(async () => {
    await runtime.jobs.datasets.interruptSynthetic();
    await server.stop();
    await runtime.stop();
    await database.close();
  });
}

async function work(config: Config): Promise<void> {
  if (!config.databaseUrl) {
    throw new Error("`logolab worker` needs DATABASE_URL: the embedded database serves one process only");
  }
  const database = await openDatabase(config);
  const ml = await selectBackend(config.mlBackend);
  const registry = createRegistry(database.prisma);
  const runtime = await startJobRuntime(config, database, registry, { workerCount: 1 });
  console.log(
    `LogoLab worker ${runtime.workers[0].workerId} waiting for training jobs (ML backend: ${ml.backend})`,
  );
  onShutdown(async () => {
    await runtime.stop();
    await database.close();
  });
}

async function runMigrations(config: Config): Promise<void> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.embeddedDbDir);
  try {
    const report = await migrate(config.databaseUrl ?? embedded!.connectionString);
    console.log(
      `applied ${report.applied.length} migration(s)${report.applied.length ? ": " + report.applied.join(", ") : ""}; ` +
        `${report.alreadyApplied.length} already applied`,
    );
  } finally {
    await embedded?.stop();
  }
}

/** Builds the `logolab` command line. */
export function buildCli(config: Config = loadConfig()): Command {
  const program = new Command("logolab")
    .description("LogoLab: train, compare and serve logo recognition models")
    .version(VERSION);
  program
    .command("serve")
    .description("run the GraphQL API (and training workers)")
    .action(() => serve(config));
  program
    .command("worker")
    .description("run one training worker alone (one per GPU); needs DATABASE_URL")
    .action(() => work(config));
  program
    .command("reproduce")
    .description("reproduce the article: CNN from scratch vs pretrained head, side by side; sets production")
    .option(
      "--dataset <id-or-path>",
      "a READY dataset id, or a FlickrLogos-32 folder to import (default: SynthLogos-32)",
    )
    .option("--quick", "SynthLogos-32 at 1/4 size and 4 epochs: minutes on 2 CPU cores", false)
    .action((options: { dataset?: string; quick: boolean }) =>
      reproduceCommand(config, { dataset: options.dataset, isQuick: options.quick }),
    );
  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(() => runMigrations(config));

  const keys = program.command("keys").description("manage API keys");
  keys
    .command("create")
    .description("create an API key and print its secret once")
    .requiredOption("--role <role>", "viewer | service | engineer | admin", parseRole)
    .option("--name <name>", "label for the key", "created with the CLI")
    .action((options: { role: RoleName; name: string }) =>
      withDatabase(config, async (database) => {
        const { apiKey, secret } = await createRegistry(database.prisma).apiKeys.create(
          options.role,
          options.name,
        );
        console.log(`id:     ${apiKey.id}\nrole:   ${apiKey.role.toLowerCase()}\nsecret: ${secret}`);
      }),
    );
  keys
    .command("list")
    .description("list API keys (never their secrets)")
    .action(() =>
      withDatabase(config, async (database) => {
        const rows = await createRegistry(database.prisma).apiKeys.list();
        console.table(
          rows.map((k) => ({
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            role: k.role,
            revoked: !!k.revokedAt,
          })),
        );
      }),
    );
  keys
    .command("revoke <id>")
    .description("revoke an API key")
    .action((id: string) =>
      withDatabase(config, async (database) => {
        await createRegistry(database.prisma).apiKeys.revoke(id);
        console.log(`revoked ${id}`);
      }),
    );
  registerDatasetCommands(program, config);
  return program;
}

/** Entry point of bin/logolab.js. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    console.error(`logolab: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
