import fs from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { acquireEmbeddedDatabaseLock, type PublishedOwnerDetails } from "./embeddedLock";
import { serialiseExtendedQueries } from "./pgliteSerialQueue";

/** A PGlite database served on a local TCP socket so pg, Prisma and pg-boss use it unchanged. */
export interface EmbeddedPostgres {
  /** `postgresql://` URL of the socket server. */
  connectionString: string;
  /** Where the socket server listens (127.0.0.1 and a free port unless one was asked for). */
  socket: { host: string; port: number };
  /**
   * Writes details into the database's lock file for other LogoLab processes: the socket (so CLI
   * commands use this process's database instead of refusing) and the API's URL.
   */
  publish(details: PublishedOwnerDetails): Promise<void>;
  /** Closes the socket server and the database, then releases the lock. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** TCP port of the socket server (default 0: any free port). */
  port?: number;
  /** What this process runs, recorded in the lock (`logolab serve`); others' refusals name it. */
  command?: string;
}

/**
 * Opens (creating on first use) the PGlite database in `dataDir` and serves it on 127.0.0.1.
 * PGlite runs one backend session: all connections share it, so transactions must stay short
 * and LISTEN/NOTIFY cannot cross connections (events use an in-process bus in this mode).
 * Only one process may open a PGlite directory: the lock `<dataDir>.lock` is taken first
 * (EmbeddedDatabaseInUseError when another live process holds it) and released by `stop`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const lock = await acquireEmbeddedDatabaseLock(
    dataDir,
    options.command ?? `node ${process.argv.slice(1).join(" ")}`,
  );
  let db: PGlite | undefined;
  try {
    await fs.mkdir(dataDir, { recursive: true });
    db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({
      db,
      host: "127.0.0.1",
      port: options.port ?? 0,
      maxConnections: 64,
    });
    serialiseExtendedQueries(server);
    await server.start();
    const [host, port] = server.getServerConn().split(":");
    const opened = db;
    return {
      connectionString: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
      socket: { host, port: Number(port) },
      publish: (details) => lock.publish(details),
      async stop() {
        try {
          await server.stop();
          await opened.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}
