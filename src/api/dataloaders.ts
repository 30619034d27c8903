import DataLoader from "dataloader";
import type { Dataset } from "../experiments/datasets";
import type { Experiment } from "../experiments/experiments";
import type { Registry } from "../experiments/registry";
import type { Evaluation } from "../experiments/evaluations";
import type { Checkpoint, EpochMetric, Run } from "../experiments/runs";

/** Per-request batch loaders, so a page of runs costs one query per relation, not one per run. */
export interface Loaders {
  datasetById: DataLoader<string, Dataset | null>;
  experimentById: DataLoader<string, Experiment | null>;
  runById: DataLoader<string, Run | null>;
  epochsByRunId: DataLoader<string, EpochMetric[]>;
  checkpointById: DataLoader<string, Checkpoint | null>;
  evaluationsByRunId: DataLoader<string, Evaluation[]>;
}

export function createLoaders(registry: Registry): Loaders {
  return {
    datasetById: new DataLoader((ids) => registry.datasets.getMany(ids)),
    experimentById: new DataLoader((ids) => registry.experiments.getMany(ids)),
    runById: new DataLoader((ids) => registry.runs.getMany(ids)),
    epochsByRunId: new DataLoader((ids) => registry.runs.epochsOfRuns(ids)),
    checkpointById: new DataLoader((ids) => registry.runs.checkpointsByIds(ids)),
    evaluationsByRunId: new DataLoader((ids) => registry.evaluations.ofRuns(ids)),
  };
}
