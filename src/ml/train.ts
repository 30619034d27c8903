import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../errors";
import type { TrainingPhase } from "../vocabulary";
import { batchCount, type LabeledImage } from "./batches";
import {
  loadCheckpoint,
  restoreOptimizerState,
  saveCheckpoint,
  STANDARD_PREPROCESSING,
  type CheckpointManifest,
  type EpochMetrics,
} from "./checkpoint";
import { classCounts, classWeightsFor, weightedCrossEntropy } from "./classWeights";
import { classificationReport, decide, epochMetricsOf, type EpochOutcome } from "./evaluate";
import { validateHyperparameters, type Hyperparameters } from "./hyperparameters";
import { chooseNoLogoThreshold, NO_LOGO_LABEL } from "./noLogoThreshold";
import { createOptimizer, disposeOptimizer, withWeightDecay } from "./optimizers";
import { isBetterEpoch } from "./bestEpoch";
import { trainLocalizer } from "./localizer/trainLocalizer";
import { buildTask, type TrainingTask } from "./trainingTask";

/** The images of one dataset version, split, with class names in label-index order. */
export interface TrainingData {
  labels: string[];
  train: LabeledImage[];
  validation: LabeledImage[];
  test?: LabeledImage[];
}

/** Progress after each batch of a phase (feeds `runProgress` events). */
export interface BatchProgress {
  /**
   * `EMBEDDING` = the frozen pretrained backbone embeds every image once (its features are cached;
   * head-only runs), `TRAINING` = optimizer steps of an epoch.
   */
  phase: TrainingPhase;
  /** The epoch in progress (EMBEDDING: the first epoch this training will run). */
  epoch: number;
  /** 1-based batch number within the epoch (EMBEDDING: within the whole embedding). */
  batch: number;
  batchCount: number;
  /** Images processed so far in this epoch (EMBEDDING: images embedded, every split and view). */
  imagesDone: number;
  imagesTotal: number;
  /** Throughput since the epoch (or the embedding) started. */
  imagesPerSecond: number;
  /** This batch's loss; null while EMBEDDING. */
  loss: number | null;
}

/** Inputs of {@link train}. */
export interface TrainOptions {
  hyperparameters: Hyperparameters;
  data: TrainingData;
  /** Receives `last/`, `best/` (and `epoch-NNN/` when `keepEveryEpoch`). */
  checkpointDir: string;
  /** Decoded pretrained weights and feature caches (config `cacheDir`); required for MOBILENET_V2. */
  cacheDir?: string;
  /** Feature-cache key part; defaults to a digest of the items. Pass the registry's version id. */
  datasetVersion?: string;
  /** Augmented views cached per training image for head-only MOBILENET_V2 (default 3). */
  featureViews?: number;
  /** MobileNetV2 layers pooled into the embedding (default `["out_relu"]`). */
  mobilenetTaps?: string[];
  /** RESNET18_V2 with `pretrained`: tfjs layers weights, file path or http(s) URL. */
  pretrainedWeights?: string;
  /** A checkpoint directory written by an earlier run with the same hyperparameters. */
  resumeFrom?: string;
  keepEveryEpoch?: boolean;
  onBatch?: (progress: BatchProgress) => void | Promise<void>;
  /** After each epoch's checkpoints are written; `isBest` when it became the run's best epoch. */
  onEpoch?: (metrics: EpochMetrics, isBest: boolean) => void | Promise<void>;
  /** Cancellation, checked between batches (either or both). */
  signal?: AbortSignal;
  shouldStop?: () => boolean | Promise<boolean>;
}

/** Outcome of {@link train}. */
export interface TrainResult {
  status: "SUCCEEDED" | "CANCELLED";
  /** Every completed epoch, including those of a resumed run's predecessor. */
  epochs: EpochMetrics[];
  bestEpoch: number | null;
  bestCheckpoint: string | null;
  lastCheckpoint: string | null;
}

/** Variables the optimizer updates: all, the head only, or the top-n layers that have weights. */
export function trainableVariables(
  model: tf.LayersModel,
  trainableLayers: Hyperparameters["trainableLayers"],
): tf.Variable[] {
  const layersWithWeights = model.layers.filter((layer) => layer.trainableWeights.length > 0);
  const count =
    trainableLayers === "ALL"
      ? layersWithWeights.length
      : trainableLayers === "HEAD"
        ? 1
        : Math.min(trainableLayers, layersWithWeights.length);
  return layersWithWeights
    .slice(layersWithWeights.length - count)
    .flatMap((layer) => layer.trainableWeights.map((weight) => weight.read() as tf.Variable));
}

/**
 * One optimizer step on a batch: weighted cross-entropy, gradients of `variables`, L2 weight decay,
 * update. `inputs [B, …]`, `labels [B]` int32, `classWeights [K]`. Returns two scalars the caller
 * disposes — the loss and the number of correct predictions of the same forward pass; nothing else
 * survives the step.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  inputs: tf.Tensor,
  labels: tf.Tensor1D,
  classWeights: tf.Tensor1D,
  weightDecay: number,
): { loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const probabilities = model.apply(inputs, { training: true }) as tf.Tensor2D;
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, 1), labels), "int32"))) as tf.Scalar;
      return weightedCrossEntropy(probabilities, labels, classWeights);
    }, variables);
    const byName = new Map(variables.map((v) => [v.name, v]));
    optimizer.applyGradients(withWeightDecay(grads, byName, weightDecay));
    return { loss: value, correct: correct! };
  });
}

/** Class probabilities of `model` over a split, row-major `[N, classCount]` in item order. */
async function predictSplit(task: TrainingTask, split: "validation" | "test"): Promise<Float32Array[]> {
  const chunks: Float32Array[] = [];
  for await (const batch of task.evalBatches(split)) {
    const probabilities = tf.tidy(() => {
      const x = tf.tensor(batch.inputs, [batch.size, ...task.exampleShape]);
      return task.model.predict(x) as tf.Tensor2D;
    });
    chunks.push((await probabilities.data()) as Float32Array);
    probabilities.dispose();
  }
  return chunks;
}

function concatFloat32(chunks: Float32Array[]): Float32Array {
  const result = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

export { isBetterEpoch } from "./bestEpoch";

async function isStopRequested(options: TrainOptions): Promise<boolean> {
  if (options.signal?.aborted) return true;
  return options.shouldStop !== undefined && (await options.shouldStop());
}

async function runTrainingEpoch(
  task: TrainingTask,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  classWeights: tf.Tensor1D,
  epoch: number,
  options: TrainOptions,
): Promise<EpochOutcome | "CANCELLED"> {
  const h = options.hyperparameters;
  const imagesTotal = options.data.train.length;
  const batches = batchCount(imagesTotal, h.batchSize);
  const startedAt = performance.now();
  let lossSum = 0;
  let correctCount = 0;
  let imagesDone = 0;
  let batchNumber = 0;
  for await (const batch of task.trainBatches(epoch)) {
    if (await isStopRequested(options)) return "CANCELLED";
    const x = tf.tensor(batch.inputs, [batch.size, ...task.exampleShape]);
    const labels = tf.tensor1d(batch.labels, "int32");
    const { loss, correct } = trainStep(
      task.model,
      optimizer,
      variables,
      x,
      labels,
      classWeights,
      h.weightDecay,
    );
    const [lossValue, correctValue] = [(await loss.data())[0], (await correct.data())[0]];
    tf.dispose([x, labels, loss, correct]);
    lossSum += lossValue * batch.size;
    correctCount += correctValue;
    imagesDone += batch.size;
    batchNumber++;
    const seconds = (performance.now() - startedAt) / 1000;
    await options.onBatch?.({
      phase: "TRAINING",
      epoch,
      batch: batchNumber,
      batchCount: batches,
      imagesDone,
      imagesTotal,
      imagesPerSecond: imagesDone / seconds,
      loss: lossValue,
    });
  }
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    loss: lossSum / imagesDone,
    trainAccuracy: correctCount / imagesDone,
    imagesPerSecond: imagesDone / seconds,
  };
}

async function evaluateEpoch(
  task: TrainingTask,
  epoch: number,
  outcome: EpochOutcome,
  startedAt: number,
  options: TrainOptions,
): Promise<EpochMetrics> {
  const { data } = options;
  const classCount = data.labels.length;
  const actual = Int32Array.from(data.validation, (item) => item.label);
  const validationProbabilities = concatFloat32(await predictSplit(task, "validation"));
  const report = classificationReport(data.labels, actual, decide(validationProbabilities, classCount));
  let testAccuracy: number | undefined;
  if (data.test !== undefined && data.test.length > 0) {
    const testActual = Int32Array.from(data.test, (item) => item.label);
    testAccuracy = classificationReport(
      data.labels,
      testActual,
      decide(concatFloat32(await predictSplit(task, "test")), classCount),
    ).accuracy;
  }
  const noLogoIndex = data.labels.indexOf(NO_LOGO_LABEL);
  const noLogoThreshold =
    noLogoIndex < 0
      ? undefined
      : chooseNoLogoThreshold(validationProbabilities, classCount, actual, noLogoIndex).threshold;
  return epochMetricsOf({
    epoch,
    outcome,
    report,
    trainLabels: data.train.map((item) => item.label),
    validationLabels: actual,
    testAccuracy,
    noLogoThreshold,
    startedAt,
  });
}

async function writeCheckpoint(
  directory: string,
  task: TrainingTask,
  optimizer: tf.Optimizer,
  metrics: EpochMetrics,
  history: EpochMetrics[],
  bestEpoch: number,
  options: TrainOptions,
): Promise<void> {
  const h = options.hyperparameters;
  const { model, release } = task.inferenceModel();
  try {
    await saveCheckpoint(directory, {
      model,
      manifest: {
        architecture: h.architecture,
        labels: options.data.labels,
        imageSize: h.imageSize,
        preprocessing: STANDARD_PREPROCESSING,
        epoch: metrics.epoch,
        metrics,
        hyperparameters: h,
        ...(metrics.noLogoThreshold === undefined ? {} : { noLogoThreshold: metrics.noLogoThreshold }),
        ...(task.backbone ? { backbone: task.backbone } : {}),
      },
      training: { optimizer, optimizerName: h.optimizer, history, bestEpoch },
    });
  } finally {
    release();
  }
}

/** Throws a `ValidationError` for empty splits or labels outside `[0, labels.length)`. */
export function validateTrainingData(data: TrainingData): void {
  if (data.train.length === 0 || data.validation.length === 0) {
    throw new ValidationError("training needs at least one training and one validation image", {
      field: "dataset",
    });
  }
  const classCount = data.labels.length;
  const splits = { train: data.train, validation: data.validation, test: data.test ?? [] };
  for (const [split, items] of Object.entries(splits)) {
    const bad = items.find(
      (item) => !Number.isInteger(item.label) || item.label < 0 || item.label >= classCount,
    );
    if (bad !== undefined) {
      const source = typeof bad.source === "string" ? bad.source : "(bytes)";
      throw new ValidationError(
        `${split} image ${source} has label ${bad.label}, outside 0…${classCount - 1}`,
        {
          field: "dataset",
        },
      );
    }
  }
}

/**
 * Trains a model for `hyperparameters.epochs` epochs (or the remaining ones when resuming), writing
 * `last/` after every epoch and `best/` whenever validation macro-F1 improves (tie: accuracy); both
 * include optimizer state, so resuming from epoch k's checkpoint reproduces epoch k+1 exactly
 * (SGD/momentum; Adam up to float rounding of its β-power accumulators). Cancellation is honoured
 * between batches; a cancelled epoch is discarded. Tensor count is unchanged after the call.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const h = validateHyperparameters(options.hyperparameters, options.data.labels.length);
  validateTrainingData(options.data);
  if (h.architecture === "LOCALIZER") return trainLocalizer({ ...options, hyperparameters: h });
  let resumedManifest: CheckpointManifest | undefined;
  let resumedModel: tf.LayersModel | undefined;
  if (options.resumeFrom !== undefined) {
    const loaded = await loadCheckpoint(options.resumeFrom);
    resumedManifest = loaded.manifest;
    resumedModel = loaded.model;
  }
  let task: TrainingTask | undefined;
  const firstEpoch = (resumedManifest?.training?.history.length ?? 0) + 1;
  try {
    task = await buildTask(options, resumedModel, (embedding) => {
      void options.onBatch?.({ phase: "EMBEDDING", epoch: firstEpoch, ...embedding, loss: null });
    });
  } finally {
    // The image task trains the resumed model itself; otherwise only its weights were copied.
    if (resumedModel !== undefined && resumedModel !== task?.model) resumedModel.dispose();
  }
  const optimizer = createOptimizer(h.optimizer, h.learningRate);
  const variables = trainableVariables(task.model, h.trainableLayers);
  const counts = classCounts(
    options.data.train.map((item) => item.label),
    options.data.labels.length,
  );
  const classWeights = tf.tensor1d(
    classWeightsFor(h.lossWeighting, counts, { beta: h.effectiveNumberBeta, custom: h.classWeights }),
  );
  const history: EpochMetrics[] = resumedManifest?.training?.history.slice() ?? [];
  let bestEpoch = resumedManifest?.training?.bestEpoch ?? 0;
  const lastCheckpoint = path.join(options.checkpointDir, "last");
  const bestCheckpoint = path.join(options.checkpointDir, "best");
  let status: TrainResult["status"] = "SUCCEEDED";
  try {
    if (resumedManifest !== undefined && options.resumeFrom !== undefined) {
      await restoreOptimizerState(options.resumeFrom, resumedManifest, optimizer);
    }
    for (let epoch = history.length + 1; epoch <= h.epochs; epoch++) {
      const startedAt = performance.now();
      const outcome = await runTrainingEpoch(task, optimizer, variables, classWeights, epoch, options);
      if (outcome === "CANCELLED") {
        status = "CANCELLED";
        break;
      }
      const metrics = await evaluateEpoch(task, epoch, outcome, startedAt, options);
      history.push(metrics);
      const isBest = isBetterEpoch(
        metrics,
        history.find((m) => m.epoch === bestEpoch),
      );
      if (isBest) bestEpoch = epoch;
      await writeCheckpoint(lastCheckpoint, task, optimizer, metrics, history, bestEpoch, options);
      if (isBest)
        await writeCheckpoint(bestCheckpoint, task, optimizer, metrics, history, bestEpoch, options);
      if (options.keepEveryEpoch) {
        const name = `epoch-${String(epoch).padStart(3, "0")}`;
        await writeCheckpoint(
          path.join(options.checkpointDir, name),
          task,
          optimizer,
          metrics,
          history,
          bestEpoch,
          options,
        );
      }
      await options.onEpoch?.(metrics, isBest);
    }
  } finally {
    classWeights.dispose();
    disposeOptimizer(optimizer);
    task.dispose();
  }
  return {
    status,
    epochs: history,
    bestEpoch: bestEpoch > 0 ? bestEpoch : null,
    bestCheckpoint: bestEpoch > 0 ? bestCheckpoint : null,
    lastCheckpoint: history.length > 0 ? lastCheckpoint : null,
  };
}
