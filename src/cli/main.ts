import "reflect-metadata";
import { Command, InvalidArgumentError } from "commander";
import { loadConfig, type Config } from "../config";
import type { Database } from "../db/database";
import { ROLES, type Role } from "../vocabulary";
import { registerDatasetCommands } from "./datasetCommands";
import { registerModelCommands } from "./modelCommands";
import { registerSweepCommands } from "./sweepCommands";
import { VERSION } from "../version";
import { stopSignalOfProcess } from "./processLifecycle";

// Command modules load when their command runs: `serve` binds its port before anything heavy
// loads, and `--help` or a refused start need none of them.
async function withDatabase<T>(
  config: Config,
  command: string,
  work: (database: Database) => Promise<T>,
  options?: { isMigrating?: boolean },
): Promise<T> {
  return (await import("./withDatabase.js")).withDatabase(config, command, work, options);
}

async function registryOf(database: Database) {
  return (await import("../experiments/registry.js")).createRegistry(database.prisma);
}

function parseRole(value: string): Role {
  const role = value.toUpperCase();
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidArgumentError(`role must be one of ${ROLES.map((r) => r.toLowerCase()).join(", ")}`);
  }
  return role as Role;
}

async function runMigrations(config: Config): Promise<void> {
  await withDatabase(
    config,
    "logolab migrate",
    async (database) => {
      const { migrate } = await import("../db/migrate.js");
      const report = await migrate(database.connectionString);
      console.log(
        `applied ${report.applied.length} migration(s)${report.applied.length ? ": " + report.applied.join(", ") : ""}; ` +
          `${report.alreadyApplied.length} already applied`,
      );
    },
    { isMigrating: false },
  );
}

/** Builds the `logolab` command line. */
export function buildCli(config: Config = loadConfig()): Command {
  const program = new Command("logolab")
    .description("LogoLab: train, compare and serve logo recognition models")
    .version(VERSION);
  program
    .command("serve")
    .description("run the GraphQL API (and training workers)")
    .action(async () => (await import("./serveCommands.js")).serve(config));
  program
    .command("worker")
    .description("run one training worker alone (one per GPU); needs DATABASE_URL")
    .action(async () => (await import("./serveCommands.js")).work(config));
  program
    .command("reproduce")
    .description("reproduce the article: CNN from scratch vs pretrained head, side by side; sets production")
    .option(
      "--dataset <id-or-path>",
      "a READY dataset id, or a FlickrLogos-32 folder to import (default: SynthLogos-32)",
    )
    .option("--quick", "SynthLogos-32 at 1/4 size and 4 epochs: minutes on 2 CPU cores", false)
    .action((options: { dataset?: string; quick: boolean }) =>
      import("./reproduceCommand.js").then(({ reproduceCommand }) =>
        reproduceCommand(config, { dataset: options.dataset, isQuick: options.quick }),
      ),
    );
  program
    .command("schema")
    .description("print the GraphQL schema (SDL), the contract committed as schema.graphql")
    .action(async () => {
      const { printLogoLabSchema } = await import("../resolvers/index.js");
      process.stdout.write(await printLogoLabSchema());
    });
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
    .action((options: { role: Role; name: string }) =>
      withDatabase(config, "logolab keys create", async (database) => {
        const { apiKey, secret } = await (
          await registryOf(database)
        ).apiKeys.create(options.role, options.name);
        console.log(`id:     ${apiKey.id}\nrole:   ${apiKey.role.toLowerCase()}\nsecret: ${secret}`);
      }),
    );
  keys
    .command("list")
    .description("list API keys (never their secrets)")
    .action(() =>
      withDatabase(config, "logolab keys list", async (database) => {
        const rows = await (await registryOf(database)).apiKeys.list();
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
      withDatabase(config, "logolab keys revoke", async (database) => {
        await (await registryOf(database)).apiKeys.revoke(id);
        console.log(`revoked ${id}`);
      }),
    );
  registerDatasetCommands(program, config);
  registerModelCommands(program, config);
  registerSweepCommands(program, config);
  return program;
}

/** Entry point of bin/logolab.js. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    // After a signal, errors come from work cut short by closing; the lifecycle sets the exit code.
    if (stopSignalOfProcess()) return;
    // One line: a start that fails says why and exits (what it opened is closed by then).
    const message = error instanceof Error ? error.message : String(error);
    console.error(`logolab: ${message.split("\n")[0]}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
