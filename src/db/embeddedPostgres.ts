import fs from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { serialiseExtendedQueries } from "./pgliteSerialQueue";

/** A PGlite database served on a local TCP socket so pg, Prisma and pg-boss use it unchanged. */
export interface EmbeddedPostgres {
  /** `postgresql://` URL of the socket server. */
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Opens (creating on first use) the PGlite database in `dataDir` and serves it on 127.0.0.1.
 * PGlite runs one backend session: all connections share it, so transactions must stay short
 * and LISTEN/NOTIFY cannot cross connections (events use an in-process bus in this mode).
 */
export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  await fs.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 64 });
  serialiseExtendedQueries(server);
  await server.start();
  const address = server.getServerConn();
  return {
    connectionString: `postgresql://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
