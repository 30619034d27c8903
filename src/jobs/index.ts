import type { Registry } from "../experiments/registry";
import { DatasetPreparation, type DatasetStorage } from "./datasetImports";
import type { EventBus } from "./events";
import { RunLauncher } from "./runLauncher";
import type { TrainingQueue } from "./trainingQueue";

/** The long-running services the API and CLI drive. */
export interface Jobs {
  datasets: DatasetPreparation;
  runs: RunLauncher;
  bus: EventBus;
}

/** Builds the job services over a registry, a queue and an event bus. */
export function createJobs(
  registry: Registry,
  storage: DatasetStorage,
  queue: TrainingQueue,
  bus: EventBus,
): Jobs {
  return {
    datasets: new DatasetPreparation(registry.datasets, storage),
    runs: new RunLauncher(registry, queue, bus),
    bus,
  };
}
