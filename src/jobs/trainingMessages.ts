import type { MlBackendPreference } from "../config";
import type { EpochMetrics } from "../ml/checkpoint";
import type { Hyperparameters } from "../ml/hyperparameters";
import type { BatchProgress } from "../ml/train";

/** Everything a training child needs; plain JSON so it crosses the IPC channel. */
export interface TrainingSpec {
  runId: string;
  hyperparameters: Hyperparameters;
  datasetDir: string;
  /** Feature-cache key part: the dataset's content hash. */
  datasetVersion: string;
  checkpointDir: string;
  cacheDir: string;
  mlBackend: MlBackendPreference;
  /** `<checkpointDir>/last` when an earlier attempt left one. */
  resumeFrom?: string;
}

/** Parent → child. */
export type ToChild =
  { type: "start"; spec: TrainingSpec } | { type: "stop" } | { type: "epochRecorded"; epoch: number };

/** Child → parent. */
export type FromChild =
  | { type: "ready"; backend: string }
  /** Epochs an earlier attempt finished (from its last checkpoint), for the parent to backfill. */
  | { type: "resumed"; history: EpochMetrics[]; bestEpoch: number }
  | { type: "batch"; progress: BatchProgress }
  /** An epoch ended; its checkpoints are on disk. The child waits for `epochRecorded`. */
  | { type: "epoch"; metrics: EpochMetrics; isBest: boolean }
  | { type: "done"; status: "SUCCEEDED" | "CANCELLED" }
  | { type: "failed"; message: string };
