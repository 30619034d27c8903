import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { migrate } from "../../src/db/migrate";
import { createScratchDatabase, type ScratchDatabase } from "../support/testDatabase";

const REPO = path.join(__dirname, "..", "..");

function run(command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** The database's schema as pg_dump prints it, without the per-dump session keys. */
function schemaDump(database: ScratchDatabase, excludeTable?: string): string {
  const url = new URL(database.url);
  const args = ["-s", "-h", url.hostname, "-p", url.port || "5432", "-U", url.username, database.name];
  if (excludeTable) args.push("-T", excludeTable);
  return run("pg_dump", args)
    .split("\n")
    .filter((line) => !/^\\(un)?restrict /.test(line))
    .join("\n");
}

let fromMigrations: ScratchDatabase;
let fromSchema: ScratchDatabase;
beforeAll(async () => {
  [fromMigrations, fromSchema] = await Promise.all([createScratchDatabase(), createScratchDatabase()]);
});
afterAll(async () => {
  await Promise.all([fromMigrations?.drop(), fromSchema?.drop()]);
});

it("builds with the migrations exactly the tables, types and indexes prisma/schema.prisma describes", async () => {
  await migrate(fromMigrations.url);
  const schemaSql = run(
    process.execPath,
    [
      path.join(REPO, "scripts", "prisma6.js"),
      "migrate",
      "diff",
      "--from-empty",
      "--to-schema-datamodel",
      "SCHEMA",
      "--script",
    ],
    { DATABASE_URL: fromSchema.url },
  );
  const client = new pg.Client({ connectionString: fromSchema.url });
  await client.connect();
  try {
    await client.query(schemaSql);
  } finally {
    await client.end();
  }
  expect(schemaDump(fromMigrations, "_prisma_migrations")).toBe(schemaDump(fromSchema));
});
