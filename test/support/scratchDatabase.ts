import { randomBytes } from "node:crypto";
import pg from "pg";

/** Server that tests and benchmarks create their databases on (the CI's local PostgreSQL, trust auth). */
export const ADMIN_URL =
  process.env.LOGOLAB_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty database; `drop()` removes it (also while connections are open). */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Names of the databases this process created and has not dropped yet. */
const undropped = new Set<string>();

/** Creates an empty database with a unique name (starting with `prefix`) on {@link ADMIN_URL}'s server. */
export async function createScratchDatabase(prefix = "logolab_test"): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  undropped.add(name);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

async function dropDatabase(name: string): Promise<void> {
  await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  undropped.delete(name);
}

/** Drops every database this process created and has not dropped yet (the way out on a signal). */
export async function dropScratchDatabases(): Promise<void> {
  await Promise.all([...undropped].map(dropDatabase));
}
