import type { Config } from "../config";
import type { DatabaseKind } from "../vocabulary";
import {
  EmbeddedDatabaseInUseError,
  readEmbeddedDatabaseOwner,
  type EmbeddedDatabaseOwner,
} from "./embeddedLock";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embeddedPostgres";
import { migrate } from "./migrate";
import { createPrismaClient, type PrismaClient } from "./prismaClient";

/** An open database: the Prisma client, its URL (for pg-boss, LISTEN) and how to close it all. */
export interface Database {
  kind: DatabaseKind;
  connectionString: string;
  prisma: PrismaClient;
  /**
   * Whether this process uses the embedded database of another process, through that process's
   * socket (a CLI command while `serve` runs); such a guest must not act as the only process.
   */
  isGuest: boolean;
  /** Resolves when the database answers `SELECT 1`; rejects otherwise. */
  ping(): Promise<void>;
  /** Tells other LogoLab processes where this process's API listens (embedded owners; else nothing). */
  advertise(details: { apiUrl: string }): Promise<void>;
  close(): Promise<void>;
}

/** How a process uses the database (what matters only for the embedded one). */
export interface OpenDatabaseOptions {
  /** What this process runs (`logolab serve`), named to other processes while it holds the embedded database. */
  command?: string;
  /**
   * `owner` (default): this process must open the embedded database itself; another holder is an
   * EmbeddedDatabaseInUseError. `shared`: if another process holds it and shares its socket, use
   * that process's database; if it holds it without sharing (another short command), wait for it.
   */
  access?: "owner" | "shared";
  /** Owners only: publish the socket so `shared` commands of other processes can use this database. */
  isShared?: boolean;
  /** Apply pending migrations (default true; guests never do: their owner did). */
  isMigrating?: boolean;
  /** Longest a `shared` open waits for a holder to share its socket or let go, ms (default 15 s). */
  guestPatienceMs?: number;
}

/** PGlite serialises every statement; a large pool only queues connections behind each other. */
const EMBEDDED_POOL_SIZE = 4;
const GUEST_POOL_SIZE = 2;
const GUEST_POLL_MS = 200;

function databaseOf(
  kind: DatabaseKind,
  connectionString: string,
  poolSize: number,
  hooks: { isGuest: boolean; advertise?: Database["advertise"]; closeAfter?: () => Promise<void> },
): Database {
  const prisma = createPrismaClient(connectionString, poolSize);
  return {
    kind,
    connectionString,
    prisma,
    isGuest: hooks.isGuest,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    advertise: hooks.advertise ?? (async () => undefined),
    async close() {
      try {
        await prisma.$disconnect();
      } finally {
        await hooks.closeAfter?.();
      }
    },
  };
}

async function migrateOrStop(connectionString: string, embedded?: EmbeddedPostgres): Promise<void> {
  try {
    await migrate(connectionString);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

async function openAsOwner(config: Config, options: OpenDatabaseOptions): Promise<Database> {
  const embedded = await startEmbeddedPostgres(config.embeddedDbDir, { command: options.command });
  if (options.isMigrating ?? true) await migrateOrStop(embedded.connectionString, embedded);
  if (options.isShared) {
    try {
      await embedded.publish({ socket: embedded.socket });
    } catch (error) {
      await embedded.stop();
      throw error;
    }
  }
  return databaseOf("embedded", embedded.connectionString, EMBEDDED_POOL_SIZE, {
    isGuest: false,
    advertise: (details) => embedded.publish(details),
    closeAfter: () => embedded.stop(),
  });
}

/** Connects through `owner`'s socket; fails with the owner named when the socket does not answer. */
async function openAsGuest(owner: EmbeddedDatabaseOwner & Required<Pick<EmbeddedDatabaseOwner, "socket">>) {
  const { host, port } = owner.socket;
  const connectionString = `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`;
  const database = databaseOf("embedded", connectionString, GUEST_POOL_SIZE, { isGuest: true });
  try {
    await database.ping();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new Error(
      `the embedded database is held by \`${owner.command}\` (pid ${owner.pid}), whose socket ` +
        `${host}:${port} does not answer (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return database;
}

/**
 * Opens the embedded database for a `shared` command: as its owner when no process holds it, else
 * as a guest of the holder's socket. A holder that does not share (another one-shot command, or a
 * server still starting) is waited for, up to `guestPatienceMs`.
 */
async function openShared(config: Config, options: OpenDatabaseOptions): Promise<Database> {
  const giveUpAt = Date.now() + (options.guestPatienceMs ?? 15_000);
  for (;;) {
    let inUse: EmbeddedDatabaseInUseError;
    try {
      return await openAsOwner(config, options);
    } catch (error) {
      if (!(error instanceof EmbeddedDatabaseInUseError)) throw error;
      inUse = error;
    }
    // Read again: the holder may have shared its socket, or let go, since the refusal.
    const owner = await readEmbeddedDatabaseOwner(config.embeddedDbDir);
    if (owner?.socket) return openAsGuest({ ...owner, socket: owner.socket });
    if (Date.now() > giveUpAt) throw new EmbeddedDatabaseInUseError(inUse.dataDir, owner ?? inUse.owner);
    if (owner) await new Promise((resolve) => setTimeout(resolve, GUEST_POLL_MS));
  }
}

/**
 * Connects to `config.databaseUrl`, or opens the embedded PGlite under `config.embeddedDbDir` when
 * none is set (see {@link OpenDatabaseOptions} for who may open it), then applies pending migrations.
 */
export async function openDatabase(config: Config, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (config.databaseUrl) {
    if (options.isMigrating ?? true) await migrate(config.databaseUrl);
    return databaseOf("postgres", config.databaseUrl, config.dbPoolSize, { isGuest: false });
  }
  return options.access === "shared" ? openShared(config, options) : openAsOwner(config, options);
}
