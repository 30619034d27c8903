import type { Config } from "../config";
import { openDatabase, type Database, type OpenDatabaseOptions } from "../db/database";
import { ProcessLifecycle } from "./processLifecycle";

/**
 * Runs a one-shot command's `work` over the database, then closes it. With the embedded database
 * in use by a server, `work` goes through that server's socket (see `openDatabase`'s `shared`).
 * Ctrl-C closes what the command opened (`work` may add to `lifecycle`), then the command exits.
 */
export async function withDatabase<T>(
  config: Config,
  command: string,
  work: (database: Database, lifecycle: ProcessLifecycle) => Promise<T>,
  options: Pick<OpenDatabaseOptions, "isMigrating"> = {},
): Promise<T> {
  const lifecycle = new ProcessLifecycle({ timeoutMs: config.shutdownTimeoutMs, signalExitCode: "signal" });
  try {
    const database = await lifecycle.start(async () =>
      lifecycle.own(
        "the database",
        await openDatabase(config, { command, access: "shared", ...options }),
        (d) => d.close(),
      ),
    );
    return await work(database, lifecycle);
  } finally {
    await lifecycle.close();
  }
}
