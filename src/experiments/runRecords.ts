import type {
  Checkpoint as CheckpointRow,
  EpochMetric as EpochMetricRow,
  Prisma,
  Run as RunRow,
} from "../generated/prisma/client";
import type { EpochMetrics } from "../ml/checkpoint";
import type { ConfusionMatrix } from "../ml/confusionMatrix";
import type { ClassMetrics } from "../ml/evaluate";
import type { Hyperparameters } from "../ml/hyperparameters";

/**
 * The registry's typed records of runs. The tables keep some values as JSON columns (the full
 * hyperparameters, per-class metrics, confusion matrices) and checkpoint sizes as BIGINT; these
 * types and mappers are the one place that says what those columns hold, so no consumer casts.
 */

/** A training run with its complete hyperparameters. */
export interface Run extends Omit<RunRow, "hyperparameters"> {
  hyperparameters: Hyperparameters;
}

/** One committed epoch's metrics. */
export interface EpochMetric extends Omit<EpochMetricRow, "perClass" | "confusionMatrix"> {
  /** Validation precision, recall, F1 and support per class, in label order. */
  perClass: ClassMetrics[];
  /** Validation confusion matrix. */
  confusionMatrix: ConfusionMatrix;
}

/** An epoch's scalar metrics, without the per-class metrics and confusion matrix (read on demand). */
export type EpochMetricSummary = Omit<EpochMetric, "perClass" | "confusionMatrix">;

/** The per-class metrics and confusion matrix of one epoch row. */
export interface EpochDetails {
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
}

/** A run as a list returns it: with its best epoch's scalars when the list read them (null: none). */
export type ListedRun = Run & { bestEpochSummary?: EpochMetricSummary | null };

/** Whether an epoch record carries its details already (a full row) or only its scalars. */
export function hasEpochDetails(epoch: EpochMetricSummary | EpochMetric): epoch is EpochMetric {
  return "perClass" in epoch && "confusionMatrix" in epoch;
}

/** A frozen checkpoint of a run's best epoch. */
export interface Checkpoint extends Omit<CheckpointRow, "bytes" | "metrics"> {
  /** Size of the checkpoint's files. */
  bytes: number;
  /** The epoch's metrics as the checkpoint's manifest recorded them. */
  metrics: EpochMetrics;
}

/**
 * A run row read with raw SQL, its JSON column selected as text (`RUN_COLUMNS`): parsed here with
 * JSON.parse, several times cheaper than the driver adapter's conversion of JSON values.
 */
export function runOfRawRow(row: Omit<RunRow, "hyperparameters"> & { hyperparameters: string }): Run {
  return runOf({ ...row, hyperparameters: JSON.parse(row.hyperparameters) as RunRow["hyperparameters"] });
}

export function runOf(row: RunRow): Run {
  return { ...row, tags: row.tags ?? [], hyperparameters: row.hyperparameters as unknown as Hyperparameters };
}

export function epochMetricOf(row: EpochMetricRow): EpochMetric {
  return {
    ...row,
    perClass: row.perClass as unknown as ClassMetrics[],
    confusionMatrix: row.confusionMatrix as unknown as ConfusionMatrix,
  };
}

export function checkpointOf(row: CheckpointRow): Checkpoint {
  return { ...row, bytes: Number(row.bytes), metrics: row.metrics as unknown as EpochMetrics };
}

/** A JSON-safe copy of a value for a JSON column. */
export function asJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
