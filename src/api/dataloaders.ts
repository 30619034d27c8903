import DataLoader from "dataloader";
import type { Dataset } from "../experiments/datasets";
import type { Experiment } from "../experiments/experiments";
import type { Registry } from "../experiments/registry";
import type { Evaluation } from "../experiments/evaluations";
import type { ModelAliasChange } from "../experiments/modelAliases";
import type { Page, PageRequest } from "../experiments/pagination";
import type {
  Checkpoint,
  EpochDetails,
  EpochMetricSummary,
  Run,
  RunParent,
  RunSearch,
} from "../experiments/runs";
import type { RunStatusCounts, Sweep } from "../experiments/sweeps";
import type { RunOrder } from "../vocabulary";

/**
 * Per-request batch loaders, so a page of runs costs one query per relation, not one per run: the
 * SQL statements of a request stay constant in its page sizes.
 */
export interface Loaders {
  datasetById: DataLoader<string, Dataset | null>;
  experimentById: DataLoader<string, Experiment | null>;
  runById: DataLoader<string, Run | null>;
  /** Scalar metrics of every epoch of a run (per-class metrics and matrices: `epochDetailsById`). */
  epochsByRunId: DataLoader<string, EpochMetricSummary[]>;
  /** Scalar metrics of a run's best epoch. */
  bestEpochByRunId: DataLoader<string, EpochMetricSummary | null>;
  /** Per-class metrics and confusion matrix of an epoch, by epoch-row id, read only when selected. */
  epochDetailsById: DataLoader<string, EpochDetails | null>;
  checkpointById: DataLoader<string, Checkpoint | null>;
  bestCheckpointByRunId: DataLoader<string, Checkpoint | null>;
  evaluationsByRunId: DataLoader<string, Evaluation[]>;
  sweepById: DataLoader<string, Sweep | null>;
  runCountsBySweepId: DataLoader<string, RunStatusCounts>;
  aliasHistoryById: DataLoader<string, ModelAliasChange[]>;
  /** Pages of runs of many experiments (or sweeps) for one set of list arguments, in one statement. */
  runPagesOf(
    parent: RunParent,
    request: PageRequest,
    search: RunSearch,
    order: RunOrder,
  ): DataLoader<string, Page<Run>>;
  /** Run counts of many experiments (or sweeps) for one search. */
  runCountsOf(parent: RunParent, search: RunSearch): DataLoader<string, number>;
}

/** One loader per distinct set of arguments (compared as JSON), made on first use. */
function loaderPerArguments<A, V>(
  make: (args: A) => DataLoader<string, V>,
): (args: A) => DataLoader<string, V> {
  const loaders = new Map<string, DataLoader<string, V>>();
  return (args) => {
    const key = JSON.stringify(args);
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = make(args)));
    return loader;
  };
}

type PagesArguments = [RunParent, PageRequest, RunSearch, RunOrder];

export function createLoaders(registry: Registry): Loaders {
  const { runs } = registry;
  const runPages = loaderPerArguments(
    ([parent, request, search, order]: PagesArguments) =>
      new DataLoader<string, Page<Run>>((ids) => runs.listOfParents(parent, ids, request, search, order)),
  );
  const runCounts = loaderPerArguments(
    ([parent, search]: [RunParent, RunSearch]) =>
      new DataLoader<string, number>((ids) => runs.countOfParents(parent, ids, search)),
  );
  return {
    datasetById: new DataLoader((ids) => registry.datasets.getMany(ids)),
    experimentById: new DataLoader((ids) => registry.experiments.getMany(ids)),
    runById: new DataLoader((ids) => runs.getMany(ids)),
    epochsByRunId: new DataLoader((ids) => runs.epochSummariesOfRuns(ids)),
    bestEpochByRunId: new DataLoader((ids) => runs.bestEpochSummariesOfRuns(ids)),
    epochDetailsById: new DataLoader((ids) => runs.epochDetailsByIds(ids)),
    checkpointById: new DataLoader((ids) => runs.checkpointsByIds(ids)),
    bestCheckpointByRunId: new DataLoader((ids) => runs.bestCheckpointsOfRuns(ids)),
    evaluationsByRunId: new DataLoader((ids) => registry.evaluations.ofRuns(ids)),
    sweepById: new DataLoader((ids) => registry.sweeps.getMany(ids)),
    runCountsBySweepId: new DataLoader((ids) => registry.sweeps.runStatusCounts(ids)),
    aliasHistoryById: new DataLoader((ids) => registry.modelAliases.historyOf(ids)),
    runPagesOf: (parent, request, search, order) =>
      runPages([parent, { first: request.first ?? null, after: request.after ?? null }, search, order]),
    runCountsOf: (parent, search) => runCounts([parent, search]),
  };
}
