import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/** PostgreSQL's server programs: LOGOLAB_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
function postgresBin(): string {
  if (process.env.LOGOLAB_PG_BIN) return process.env.LOGOLAB_PG_BIN;
  const versions = fs
    .readdirSync("/usr/lib/postgresql")
    .filter((entry) => fs.existsSync(path.join("/usr/lib/postgresql", entry, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("no PostgreSQL server programs: set LOGOLAB_PG_BIN");
  return path.join("/usr/lib/postgresql", versions[0], "bin");
}

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, its own port), so a
 * fault test can stop and start it without touching the shared server other tests use.
 */
export interface OwnPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): void;
  start(): void;
  destroy(): void;
}

function asPostgresUser(command: string, args: string[]): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot
    ? execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8" })
    : execFileSync(command, args, { encoding: "utf8" });
}

export function startOwnPostgres(port: number, settings: { maxConnections?: number } = {}): OwnPostgres {
  const BIN = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-own-pg-"));
  const dataDir = path.join(dir, "data");
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", dir]);
  asPostgresUser(`${BIN}/initdb`, ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${settings.maxConnections ?? 100}`;
  const pgCtl = (...args: string[]) =>
    asPostgresUser(`${BIN}/pg_ctl`, ["-D", dataDir, "-o", options, "-l", path.join(dir, "log"), ...args]);
  pgCtl("-w", "start");
  const urlOf = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    urlOf,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlOf("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    stop: () => void pgCtl("-m", "fast", "-w", "stop"),
    start: () => void pgCtl("-w", "start"),
    destroy() {
      try {
        pgCtl("-m", "immediate", "-w", "stop");
      } catch {
        // Already stopped.
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
