/** The shapes of the run fields the pages select (hand-written from schema.graphql). */
export type RunStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface HyperparameterValues {
  architecture: string;
  pretrained: boolean;
  trainableLayers: string | number;
  imageSize: number;
  batchSize: number;
  epochs: number;
  optimizer: string;
  learningRate: number;
  weightDecay: number;
  augmentations: string[];
  lossWeighting: string;
  seed: number;
}

export interface RunRow {
  id: string;
  status: RunStatus;
  experiment: { id: string; name: string };
  hyperparameters: HyperparameterValues;
  bestValMacroF1: number | null;
  bestValAccuracy: number | null;
  bestEpochMetric: { epoch: number; majorityBaselineAccuracy: number } | null;
  mlBackend: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const HYPERPARAMETER_FIELDS =
  "architecture pretrained trainableLayers imageSize batchSize epochs optimizer learningRate weightDecay augmentations lossWeighting seed";

export const RUN_ROW_FIELDS = `id status experiment { id name } hyperparameters { ${HYPERPARAMETER_FIELDS} }
  bestValMacroF1 bestValAccuracy bestEpochMetric { epoch majorityBaselineAccuracy } mlBackend error createdAt startedAt finishedAt`;

export const CANCEL_RUN = `mutation CancelRun($id: ID!) { cancelRun(id: $id) { id status } }`;

export const isActive = (status: RunStatus) => status === "QUEUED" || status === "RUNNING";
