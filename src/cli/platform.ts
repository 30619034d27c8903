import type { Services } from "../api/context";
import type { Config } from "../config";
import type { Database } from "../db/database";
import { createRegistry, type Registry } from "../experiments/registry";
import { startTrainingRuntime, type TrainingRuntime } from "../jobs/trainingRuntime";
import { LogoLabMetrics } from "../observability/metrics";
import { observePlatform } from "../observability/platformMetrics";
import { DatasetPreparation } from "../preparation/datasetPreparation";
import { createServingRuntime, type ServingRuntime } from "../serving/servingRuntime";

/** LogoLab's long-running parts over one open database, wired together (no HTTP server). */
export interface Platform {
  registry: Registry;
  /** What the API's resolvers call. */
  services: Services;
  training: TrainingRuntime;
  serving: ServingRuntime;
  /** This process's Prometheus metrics, connected to the workers, the queue and the Classifier. */
  metrics: LogoLabMetrics;
  /** Stops the training workers (runs go back to the queue), the queue, the bus and serving. */
  stop(): Promise<void>;
}

/** Options of {@link startPlatform}. */
export interface PlatformOptions {
  /** Training workers in this process (`serve`: LOGOLAB_WORKERS; `worker`: 1; `reproduce`: 2). */
  workerCount: number;
  logError?: (error: unknown) => void;
}

/**
 * Starts training (queue, event bus, workers), serving (the Classifier and its limits) and dataset
 * preparation over `database`. The database stays open: its owner closes it after `stop()`.
 */
export async function startPlatform(
  config: Config,
  database: Database,
  options: PlatformOptions,
): Promise<Platform> {
  const registry = createRegistry(database.prisma);
  const training = await startTrainingRuntime(config, database, registry, options);
  const serving = createServingRuntime(config, registry);
  const preparation = new DatasetPreparation(registry.datasets, config);
  const metrics = new LogoLabMetrics();
  observePlatform(metrics, {
    classifier: serving.classifier,
    workers: training.workers,
    queue: training.queue,
  });
  return {
    registry,
    services: {
      preparation,
      runs: training.runs,
      sweeps: training.sweeps,
      deletion: training.deletion,
      serving: serving.serving,
      evaluations: serving.evaluations,
      bus: training.bus,
    },
    training,
    serving,
    metrics,
    async stop() {
      await training.stop();
      await serving.close();
    },
  };
}
