import type { Registry } from "../experiments/registry";
import { DatasetPreparation, type DatasetStorage } from "./datasetImports";
import type { EventBus } from "./events";
import { ModelServing, type ImageClassifier, type ImageUrlPolicy } from "./modelServing";
import { RunLauncher } from "./runLauncher";
import type { TrainingQueue } from "./trainingQueue";

/** The long-running services the API and CLI drive. */
export interface Jobs {
  datasets: DatasetPreparation;
  runs: RunLauncher;
  serving: ModelServing;
  bus: EventBus;
}

/** What serving needs: the inference engine and the imageUrl policy. */
export interface ServingParts {
  classifier: ImageClassifier;
  imageUrlPolicy: ImageUrlPolicy;
}

/** Builds the job services over a registry, a queue and an event bus. */
export function createJobs(
  registry: Registry,
  storage: DatasetStorage,
  queue: TrainingQueue,
  bus: EventBus,
  serving: ServingParts,
): Jobs {
  return {
    datasets: new DatasetPreparation(registry.datasets, storage),
    runs: new RunLauncher(registry, queue, bus),
    serving: new ModelServing(registry, serving.classifier, serving.imageUrlPolicy),
    bus,
  };
}
