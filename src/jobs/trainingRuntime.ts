import type { Config } from "../config";
import type { Database } from "../db/database";
import type { Registry } from "../experiments/registry";
import { InProcessEventBus, PostgresEventBus, type EventBus } from "./events";
import { RunLauncher } from "./runLauncher";
import { StorageDeletion } from "./storageDeletion";
import { SweepLauncher } from "./sweepLauncher";
import { TrainingQueue } from "./trainingQueue";
import { TrainingWorker, type WorkerSettings } from "./worker";

/** The training side of a process: the queue, the run event bus, run launching and its workers. */
export interface TrainingRuntime {
  bus: EventBus;
  queue: TrainingQueue;
  /** `startRun` / `cancelRun`. */
  runs: RunLauncher;
  /** `startSweep` / `cancelSweep`. */
  sweeps: SweepLauncher;
  /** `deleteRun` / `deleteExperiment` / `deleteDataset`: rows, then the files and jobs they pointed at. */
  deletion: StorageDeletion;
  workers: TrainingWorker[];
  /** Stops the workers (their runs go back to the queue), the queue and the bus. */
  stop(): Promise<void>;
}

/** Options beyond the configuration. */
export interface TrainingRuntimeOptions {
  /** Training workers in this process (`serve`: LOGOLAB_WORKERS; `worker`: 1). */
  workerCount: number;
  logError?: (error: unknown) => void;
}

/** Least time between two progress events of one run: at most 4 a second. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Starts the training machinery on a database: pg-boss on the same PostgreSQL, LISTEN/NOTIFY events
 * (an in-process bus for the embedded database, which cannot carry NOTIFY across connections),
 * and `workerCount` training workers.
 */
export async function startTrainingRuntime(
  config: Config,
  database: Database,
  registry: Registry,
  options: TrainingRuntimeOptions,
): Promise<TrainingRuntime> {
  const logError = options.logError ?? ((error: unknown) => console.error("[logolab jobs]", error));
  const bus: EventBus =
    database.kind === "embedded"
      ? new InProcessEventBus()
      : await PostgresEventBus.connect(database.connectionString, logError);
  const queue = await TrainingQueue.start(database.connectionString, {}, logError);
  const settings: WorkerSettings = {
    artifactsDir: config.artifactsDir,
    cacheDir: config.cacheDir,
    mlBackend: config.mlBackend,
    heartbeatMs: config.heartbeatMs,
    staleAfterMs: config.staleRunMs,
    maxAttempts: config.runMaxAttempts,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
    // 40 % of the shutdown budget; HTTP draining has as much, the queue and database the rest.
    stopGraceMs: Math.floor(config.shutdownTimeoutMs * 0.4),
  };
  const workers: TrainingWorker[] = [];
  for (let i = 0; i < options.workerCount; i++) {
    // Each worker needs its own pg-boss subscription; they share the queue client.
    const worker = new TrainingWorker(registry, queue, bus, settings, logError);
    await worker.start(database.kind === "embedded" && i === 0);
    workers.push(worker);
  }
  const runs = new RunLauncher(registry, queue, bus);
  const locations = {
    artifactsDir: config.artifactsDir,
    cacheDir: config.cacheDir,
    datasetsDir: config.datasetsDir,
  };
  return {
    bus,
    queue,
    runs,
    sweeps: new SweepLauncher(registry, runs),
    deletion: new StorageDeletion(registry, queue, locations, logError),
    workers,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await queue.stop();
      await bus.close();
    },
  };
}
