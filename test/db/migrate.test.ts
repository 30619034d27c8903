import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from "../../src/db/migrate";
import { createScratchDatabase, type ScratchDatabase } from "../support/testDatabase";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let scratch: ScratchDatabase;
beforeEach(async () => {
  scratch = await createScratchDatabase();
});
afterEach(async () => {
  await scratch.drop();
});

describe("migrate", () => {
  it("applies every migration to an empty database and creates the registry tables", async () => {
    const files = await readMigrations();
    const report = await migrate(scratch.url);
    expect(report.applied).toEqual(files.map((f) => f.name));
    const tables = await query<{ tablename: string }>(
      scratch.url,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      "_prisma_migrations",
      "api_keys",
      "checkpoints",
      "datasets",
      "epoch_metrics",
      "evaluation_predictions",
      "evaluations",
      "experiments",
      "model_alias_changes",
      "model_aliases",
      "runs",
      "sweeps",
    ]);
  });

  it("is idempotent: a second run applies nothing", async () => {
    await migrate(scratch.url);
    const second = await migrate(scratch.url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBeGreaterThan(0);
    const rows = await query(scratch.url, `SELECT 1 FROM "_prisma_migrations"`);
    expect(rows).toHaveLength(second.alreadyApplied.length);
  });

  it("records Prisma's checksum (sha256 of the file) for every applied migration", async () => {
    await migrate(scratch.url);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      scratch.url,
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const names = (await fs.readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) =>
      e.isDirectory(),
    );
    expect(rows).toHaveLength(names.length);
    for (const row of rows) {
      const bytes = await fs.readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("leaves a database that Prisma's own `migrate status` reports as up to date", async () => {
    await migrate(scratch.url);
    const status = spawnSync(
      process.execPath,
      [path.join(__dirname, "..", "..", "scripts", "prisma6.js"), "migrate", "status"],
      {
        env: { ...process.env, DATABASE_URL: scratch.url },
        encoding: "utf8",
      },
    );
    expect(status.stdout + status.stderr).toContain("Database schema is up to date!");
    expect(status.status).toBe(0);
  });

  it("rolls back a failing migration, records the failure and refuses to continue past it", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-migrations-"));
    await fs.cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    await fs.mkdir(path.join(dir, "29990101000000_broken"));
    await fs.writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      "CREATE TABLE half (id int);\nSELECT nope FROM nowhere;",
    );
    await expect(migrate(scratch.url, dir)).rejects.toThrow(/29990101000000_broken failed/);
    const half = await query(scratch.url, "SELECT 1 FROM pg_tables WHERE tablename = 'half'");
    expect(half).toHaveLength(0);
    await expect(migrate(scratch.url, dir)).rejects.toThrow(/failed earlier/);
    await fs.rm(dir, { recursive: true });
  });

  it("refuses to run when an applied migration file was edited afterwards", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-migrations-"));
    await fs.cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(scratch.url, dir);
    const [first] = await readMigrations(dir);
    await fs.appendFile(path.join(dir, first.name, "migration.sql"), "\n-- edited\n");
    await expect(migrate(scratch.url, dir)).rejects.toThrow(/modified after it was applied/);
    await fs.rm(dir, { recursive: true });
  });
});
