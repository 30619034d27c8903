import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig, type Config } from "../../src/config";
import { openDatabase, type Database } from "../../src/db/database";

/** Server that tests create their databases on (the CI's local PostgreSQL). */
export const ADMIN_URL =
  process.env.LOGOLAB_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty database on the test server; `drop()` removes it. */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `logolab_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** A migrated scratch database opened through LogoLab's own database layer. */
export interface TestDatabase {
  config: Config;
  database: Database;
  scratch: ScratchDatabase;
  close(): Promise<void>;
}

/**
 * Creates, migrates and opens a scratch database with a temporary LOGOLAB_HOME (unless `env` names
 * one); `close()` disconnects, drops the database and removes the temporary home.
 */
export async function createTestDatabase(env: Record<string, string> = {}): Promise<TestDatabase> {
  const scratch = await createScratchDatabase();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-test-home-"));
  const config = loadConfig({
    DATABASE_URL: scratch.url,
    PORT: "0",
    LOGOLAB_WORKERS: "0",
    LOGOLAB_HOME: home,
    LOGOLAB_DEFAULT_DATASET: "false",
    ...env,
  });
  const database = await openDatabase(config);
  return {
    config,
    database,
    scratch,
    async close() {
      await database.close();
      await scratch.drop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
