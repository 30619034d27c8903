import "reflect-metadata";
import { Command, InvalidArgumentError } from "commander";
import { loadConfig, type Config } from "../config";
import { openDatabase, type Database } from "../db/database";
import { migrate } from "../db/migrate";
import { startEmbeddedPostgres } from "../db/embeddedPostgres";
import { ROLES, type Role } from "../vocabulary";
import { registerDatasetCommands } from "./datasetCommands";
import { registerModelCommands } from "./modelCommands";
import { registerSweepCommands } from "./sweepCommands";
import { createRegistry } from "../experiments/registry";
import { VERSION } from "../version";

function parseRole(value: string): Role {
  const role = value.toUpperCase();
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidArgumentError(`role must be one of ${ROLES.map((r) => r.toLowerCase()).join(", ")}`);
  }
  return role as Role;
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
  registerModelCommands(program, config);
  registerSweepCommands(program, config);
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
