import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** One migration folder of prisma/migrations. */
export interface MigrationFile {
  /** Folder name, e.g. `20261129080000_init`; Prisma's `migration_name`. */
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma computes it. */
  checksum: string;
}

/** What a run of the migrator did. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/** The repository's migrations folder (works from src/ under ts-jest and from dist/ when built). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, "..", "..", "prisma", "migrations");

// Prisma's own bookkeeping table, same DDL as `prisma migrate deploy` creates, so both tools agree.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

// Arbitrary constant shared by every LogoLab process: only one migrates at a time.
const MIGRATION_LOCK_KEY = 72707369;
/** A start fails within seconds when the server does not answer (pg waits forever by default). */
const CONNECT_TIMEOUT_MS = 10_000;

/** The URL without its password, for messages. */
function redactedUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(an unparsable DATABASE_URL)";
  }
}

/** A connection error in one phrase (Node's AggregateError for `localhost` has an empty message). */
function describeError(error: unknown): string {
  const { message, code, errors } = error as { message?: string; code?: string; errors?: unknown[] };
  if (message) return message;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(describeError).join("; ");
  return code ?? String(error);
}

/** Reads `<dir>/<name>/migration.sql` for every migration folder, in name (timestamp) order. */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(path.join(dir, name, "migration.sql"));
      return {
        name,
        sql: bytes.toString("utf8"),
        checksum: createHash("sha256").update(bytes).digest("hex"),
      };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Throws if a recorded migration failed (and was not resolved) or was edited after it was applied. */
function checkHistory(rows: AppliedRow[], files: MigrationFile[]): void {
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} failed earlier; fix the database and mark it resolved ` +
        `(prisma migrate resolve) before migrating again`,
    );
  }
  for (const row of rows.filter((r) => r.finished_at !== null)) {
    const file = files.find((f) => f.name === row.migration_name);
    if (file && file.checksum !== row.checksum) {
      throw new Error(`Migration ${row.migration_name} was modified after it was applied`);
    }
  }
}

async function applyOne(client: pg.ClientBase, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    // Record the failure like Prisma does, so no later run continues past it silently.
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at) VALUES ($1, $2, $3, $4, now())`,
      [id, migration.checksum, migration.name, String(error)],
    );
    throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`);
  }
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, one transaction each,
 * under an advisory lock. Compatible with `prisma migrate deploy/status` in both directions.
 */
export async function migrate(
  connectionString: string,
  dir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationReport> {
  const files = await readMigrations(dir);
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach the database at ${redactedUrl(connectionString)}: ${describeError(error)}`);
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    );
    checkHistory(rows, files);
    const done = new Set(rows.filter((r) => r.finished_at !== null).map((r) => r.migration_name));
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      if (done.has(file.name)) {
        report.alreadyApplied.push(file.name);
        continue;
      }
      await applyOne(client, file);
      report.applied.push(file.name);
    }
    return report;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
