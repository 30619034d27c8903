import type { Registry } from "../experiments/registry";
import { DatasetPreparation, type DatasetStorage } from "./datasetImports";

/** The long-running services the API and CLI drive. */
export interface Jobs {
  datasets: DatasetPreparation;
}

/** Builds the job services over a registry. */
export function createJobs(registry: Registry, storage: DatasetStorage): Jobs {
  return { datasets: new DatasetPreparation(registry.datasets, storage) };
}
