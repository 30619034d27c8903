import type { Config } from "../config";
import type { Database } from "../db/database";
import type { Registry } from "../experiments/registry";
import { InProcessEventBus, PostgresEventBus, type EventBus } from "./events";
import { createJobs, type Jobs } from "./index";
import { Classifier } from "../ml/classifier";
import { TrainingQueue } from "./trainingQueue";
import { TrainingWorker, type WorkerSettings } from "./worker";

/** The queue, the event bus, the job services and this process's training workers. */
export interface JobRuntime {
  jobs: Jobs;
  bus: EventBus;
  queue: TrainingQueue;
  workers: TrainingWorker[];
  /** The `classifyImage` inference engine (its `stats()` show batching and the inference side's tensors). */
  classifier: Classifier;
  /** Stops the workers (their runs go back to the queue), the queue and the bus. */
  stop(): Promise<void>;
}

/** Options beyond the configuration. */
export interface JobRuntimeOptions {
  /** Training workers in this process (`serve`: LOGOLAB_WORKERS; `worker`: 1). */
  workerCount: number;
  logError?: (error: unknown) => void;
}

/** Least time between two progress events of one run: at most 4 a second. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Starts the job machinery on a database: pg-boss on the same PostgreSQL, LISTEN/NOTIFY events
 * (an in-process bus for the embedded database, which cannot carry NOTIFY across connections),
 * and `workerCount` training workers.
 */
export async function startJobRuntime(
  config: Config,
  database: Database,
  registry: Registry,
  options: JobRuntimeOptions,
): Promise<JobRuntime> {
  const logError = options.logError ?? ((error: unknown) => console.error("[logolab jobs]", error));
  const bus: EventBus =
    database.kind === "embedded"
      ? new InProcessEventBus()
      : await PostgresEventBus.connect(database.connectionString, logError);
  const queue = await TrainingQueue.start(database.connectionString, {}, logError);
  const classifier = new Classifier({
    maxBatchSize: config.serveMaxBatch,
    maxQueueDelayMs: config.serveMaxDelayMs,
    maxQueueLength: config.serveMaxQueue,
    cacheBytes: config.serveCacheBytes,
    isInferenceThreadEnabled: config.isInferenceThreadEnabled,
    mlBackend: config.mlBackend,
  });
  const jobs = createJobs(registry, config, queue, bus, {
    classifier,
    imageUrlPolicy: {
      isEnabled: config.isImageUrlEnabled,
      maxBytes: config.imageUrlMaxBytes,
      timeoutMs: config.imageUrlTimeoutMs,
    },
  });
  const settings: WorkerSettings = {
    artifactsDir: config.artifactsDir,
    cacheDir: config.cacheDir,
    mlBackend: config.mlBackend,
    heartbeatMs: config.heartbeatMs,
    staleAfterMs: config.staleRunMs,
    maxAttempts: config.runMaxAttempts,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
  };
  const workers: TrainingWorker[] = [];
  for (let i = 0; i < options.workerCount; i++) {
    // Each worker needs its own pg-boss subscription; they share the queue client.
    const worker = new TrainingWorker(registry, queue, bus, settings, logError);
    await worker.start(database.kind === "embedded" && i === 0);
    workers.push(worker);
  }
  return {
    jobs,
    bus,
    queue,
    workers,
    classifier,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await queue.stop();
      await bus.close();
      await classifier.close();
    },
  };
}
