import type { Config } from "../config";
import type { DatabaseKind } from "../vocabulary";
import { startEmbeddedPostgres } from "./embeddedPostgres";
import { migrate } from "./migrate";
import { createPrismaClient, type PrismaClient } from "./prismaClient";

/** An open database: the Prisma client, its URL (for pg-boss, LISTEN) and how to close it all. */
export interface Database {
  kind: DatabaseKind;
  connectionString: string;
  prisma: PrismaClient;
  /** Resolves when the database answers `SELECT 1`; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to `config.databaseUrl`, or starts the embedded PGlite under `config.embeddedDbDir`
 * when none is set, then applies pending migrations.
 */
export async function openDatabase(config: Config): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.embeddedDbDir);
  const connectionString = config.databaseUrl ?? embedded!.connectionString;
  try {
    await migrate(connectionString);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  // PGlite serialises every statement; a large pool only queues connections behind each other.
  const prisma = createPrismaClient(connectionString, embedded ? 4 : config.dbPoolSize);
  return {
    kind: embedded ? "embedded" : "postgres",
    connectionString,
    prisma,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async close() {
      await prisma.$disconnect();
      await embedded?.stop();
    },
  };
}
