import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../../src/config";
import { openDatabase, type Database } from "../../src/db/database";
import { createScratchDatabase, type ScratchDatabase } from "./scratchDatabase";

export { ADMIN_URL, createScratchDatabase, type ScratchDatabase } from "./scratchDatabase";

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
    LOGOLAB_LOG_LEVEL: "silent",
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
