import type { ConfusionMatrix } from "../ml/confusionMatrix";
import { ValidationError } from "../errors";
import { EPOCH_METRIC_NAMES, type DatasetSplit, type EpochMetricName } from "../vocabulary";
import type { Evaluation, EvaluationService } from "./evaluations";
import {
  downsample,
  epochBuckets,
  MAX_SAMPLES,
  type EpochRange,
  type EpochValue,
  type SeriesPoint,
} from "./metricSeries";
import {
  compareClasses,
  confusionDifference,
  summariseComparison,
  type ClassComparison,
  type HyperparameterDifference,
  type SharedHyperparameter,
} from "./runComparison";
import type { EpochMetric, Run } from "./runRecords";
import { comparedIds, type EpochSeries, type RunService } from "./runs";

/** `samples` when the request gives none. */
export const DEFAULT_SAMPLES = 100;

/** The column of a named metric in a run's epoch series. */
const SERIES_COLUMNS: Record<EpochMetricName, keyof Omit<EpochSeries, "epochs">> = {
  VAL_MACRO_F1: "valMacroF1",
  VAL_ACCURACY: "valAccuracy",
  TEST_ACCURACY: "testAccuracy",
  TRAIN_ACCURACY: "trainAccuracy",
  LOSS: "loss",
};

/** One metric of a run's series as (epoch, value) pairs, epochs without a value left out. */
export function seriesValues(series: EpochSeries, metric: EpochMetricName): EpochValue[] {
  const column = series[SERIES_COLUMNS[metric]];
  return series.epochs.flatMap((epoch, i) => {
    const value = column[i];
    return value === null ? [] : [{ epoch, value }];
  });
}

/** What `compareRuns` is asked. */
export interface CompareRequest {
  ids: readonly string[];
  /** Buckets per series (1–1000, default 100). */
  samples?: number | null;
  /** The run differences are taken from (default: the first id). */
  referenceId?: string | null;
  /** Which series to return (default: all). */
  metrics?: readonly EpochMetricName[] | null;
}

/** One run's downsampled series of one metric. */
export interface MetricSeries {
  runId: string;
  metric: EpochMetricName;
  points: SeriesPoint[];
}

/** One run's confusion matrix at its best epoch. */
export interface RunConfusionMatrix {
  runId: string;
  epoch: number;
  matrix: ConfusionMatrix;
}

/** A run's best-epoch confusion matrix minus the reference run's. */
export interface ConfusionMatrixDifference {
  runId: string;
  referenceRunId: string;
  matrix: ConfusionMatrix;
}

/** One run's latest finished evaluation on a dataset split (null where it has none). */
export interface ComparedEvaluation {
  runId: string;
  evaluation: Evaluation | null;
  /** `accuracy − reference's`, null for the reference or where either lacks an evaluation. */
  accuracyDifference: number | null;
  macroF1Difference: number | null;
}

/** The runs' evaluations on one dataset split, side by side. */
export interface EvaluationComparison {
  datasetId: string;
  split: DatasetSplit;
  runs: ComparedEvaluation[];
}

/** Everything `compareRuns` answers. */
export interface RunComparison {
  runs: Run[];
  referenceRunId: string;
  bestRunId: string | null;
  differences: HyperparameterDifference[];
  shared: SharedHyperparameter[];
  buckets: EpochRange[];
  series: MetricSeries[];
  bestEpochs: { runId: string; epoch: EpochMetric | null }[];
  perClass: ClassComparison[];
  confusionMatrices: RunConfusionMatrix[];
  confusionDifferences: ConfusionMatrixDifference[];
  evaluations: EvaluationComparison[];
}

function samplesOf(samples: number | null | undefined): number {
  const value = samples ?? DEFAULT_SAMPLES;
  if (!Number.isInteger(value) || value < 1 || value > MAX_SAMPLES) {
    throw new ValidationError(`samples must be an integer between 1 and ${MAX_SAMPLES}, got ${value}`, {
      field: "samples",
    });
  }
  return value;
}

/** The latest SUCCEEDED evaluation of each run per (dataset, split), differences from the reference. */
export function compareEvaluations(
  runIds: readonly string[],
  evaluationsOfRuns: readonly Evaluation[][],
  referenceIndex: number,
): EvaluationComparison[] {
  const groups = new Map<string, { datasetId: string; split: DatasetSplit; latest: (Evaluation | null)[] }>();
  evaluationsOfRuns.forEach((evaluations, runIndex) => {
    for (const evaluation of evaluations) {
      if (evaluation.status !== "SUCCEEDED") continue;
      const key = `${evaluation.datasetId}:${evaluation.split}`;
      const group = groups.get(key) ?? {
        datasetId: evaluation.datasetId,
        split: evaluation.split,
        latest: runIds.map(() => null),
      };
      const current = group.latest[runIndex];
      if (!current || evaluation.createdAt > current.createdAt) group.latest[runIndex] = evaluation;
      groups.set(key, group);
    }
  });
  const difference = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined ? null : a - b;
  return [...groups.values()]
    .sort((a, b) => a.datasetId.localeCompare(b.datasetId) || a.split.localeCompare(b.split))
    .map(({ datasetId, split, latest }) => {
      const reference = latest[referenceIndex];
      return {
        datasetId,
        split,
        runs: runIds.map((runId, i) => {
          const evaluation = latest[i];
          const isReference = i === referenceIndex;
          return {
            runId,
            evaluation,
            accuracyDifference: isReference ? null : difference(evaluation?.accuracy, reference?.accuracy),
            macroF1Difference: isReference ? null : difference(evaluation?.macroF1, reference?.macroF1),
          };
        }),
      };
    });
}

/**
 * `compareRuns`: up to 100 runs side by side, in four statements whatever their number, sent at
 * once — the runs, their epochs as columns (one row per run), their best epochs with per-class
 * metrics and confusion matrices, and their evaluations.
 */
export class RunComparisonService {
  constructor(
    private readonly runs: RunService,
    private readonly evaluations: EvaluationService,
  ) {}

  async compare(request: CompareRequest): Promise<RunComparison> {
    const samples = samplesOf(request.samples);
    const runIds = comparedIds(request.ids);
    const referenceId = request.referenceId ?? runIds[0];
    const referenceIndex = runIds.indexOf(referenceId);
    if (referenceIndex < 0) {
      throw new ValidationError("referenceId must be one of ids", { field: "referenceId" });
    }
    // All four at once: the runs (which checks they exist) and what is compared of them.
    const [runs, seriesOfRuns, bestEpochs, evaluations] = await Promise.all([
      this.runs.getForComparison(runIds),
      this.runs.epochSeriesOfRuns(runIds),
      this.runs.bestEpochsOfRuns(runIds),
      this.evaluations.ofRuns(runIds),
    ]);
    const lastEpoch = Math.max(0, ...seriesOfRuns.flatMap((s) => s.epochs));
    const buckets = epochBuckets(lastEpoch, samples);
    const metrics = request.metrics?.length ? request.metrics : EPOCH_METRIC_NAMES;
    const series = runIds.flatMap((runId, i) =>
      metrics.map((metric) => ({
        runId,
        metric,
        points: downsample(seriesValues(seriesOfRuns[i], metric), buckets),
      })),
    );
    const reference = bestEpochs[referenceIndex];
    return {
      runs,
      referenceRunId: referenceId,
      ...summariseComparison(runs),
      buckets,
      series,
      bestEpochs: runIds.map((runId, i) => ({ runId, epoch: bestEpochs[i] })),
      perClass: compareClasses(runIds, bestEpochs, referenceIndex),
      confusionMatrices: runIds.flatMap((runId, i) => {
        const best = bestEpochs[i];
        return best ? [{ runId, epoch: best.epoch, matrix: best.confusionMatrix }] : [];
      }),
      confusionDifferences: reference
        ? runIds.flatMap((runId, i) => {
            const best = bestEpochs[i];
            if (i === referenceIndex || !best) return [];
            const matrix = confusionDifference(best.confusionMatrix, reference.confusionMatrix);
            return [{ runId, referenceRunId: referenceId, matrix }];
          })
        : [],
      evaluations: compareEvaluations(runIds, evaluations, referenceIndex),
    };
  }
}
