/**
 * Training of `architecture: LOCALIZER`: the frozen MobileNetV2-1.4 graph maps every image once
 * (feature cache), a per-cell MLP learns box-supervised cell labels (multiple-instance where an
 * image has no boxes; from epoch 2 half of each image's negatives are its hardest; each cell also
 * sees its 3×3 neighbourhood's mean; the learning rate decays along a cosine), and each epoch is scored on the image decision (per-class
 * max over cells) with the no-logo threshold that maximises validation macro-F1 (`chooseThresholdForMacroF1`).
 * With `trainableLayers` 4 (the default; HEAD keeps the backbone frozen) the cache holds block 11's maps, the backbone's block 12 and block 13's
 * expansion run as variables (`backboneTail.ts`) and train with the head in the second half of the
 * epochs (`tailStep.ts`); the tap maps are recomputed after each such epoch. Validation, mining,
 * the tap-map refresh and the checkpoints see a moving average of the trained weights
 * (`../weightAverage.ts`): one batch can otherwise swing an epoch's snapshot.
 */
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import type { LabeledImage } from "../batches";
import { isBetterEpoch } from "../bestEpoch";
import {
  disposeCheckpoint,
  loadCheckpoint,
  readWeightAverageState,
  restoreOptimizerState,
  type LoadedCheckpoint,
  saveCheckpoint,
  FULL_IMAGE_PREPROCESSING,
  type CheckpointManifest,
  type EpochMetrics,
  type LocalizerSettings,
} from "../checkpoint";
import { classificationReport, decide, epochMetricsOf, type EpochOutcome } from "../evaluate";
import { datasetVersionOf, type FeatureCacheKey } from "../featureCache";
import { LOCALIZER_TAIL_LAYERS, type Hyperparameters } from "../hyperparameters";
import {
  loadMobileNetV2MidBackbone,
  MOBILENET_V2_MID_TAP,
  type SpatialBackbone,
} from "../models/graphBackbone";
import { NO_LOGO_LABEL } from "../noLogoThreshold";
import { cosineLearningRate, createOptimizer, disposeOptimizer, setLearningRate } from "../optimizers";
import { createRandom, deriveSeed, shuffled } from "../random";
import type { TrainingData, TrainOptions, TrainResult } from "../train";
import { cellLabels, fractionBoxes, IGNORE_CELL } from "./cellLabels";
import { copyPasteItems } from "./copyPaste";
import {
  cellHeadStep,
  cellHeadVariables,
  channelStandardisation,
  createCellHead,
  standardisationTable,
  type CellHeadVariables,
  type ChannelStandardisation,
} from "./cellHead";
import { contextWindowFor, contextWindowOf, headInputWidth, writeCellRow } from "./cellContext";
import {
  cachedFeatureMaps,
  dequantizeRelu6,
  floatValuesOf,
  mapBytesOf,
  quantizeRelu6,
  type FeatureMaps,
  type MapEncoding,
} from "./featureMaps";
import {
  createTailVariables,
  pretrainedTailWeights,
  tailForward,
  tailWeightsOf,
  TAIL_INPUT_TAP,
  TAIL_VARIABLE_NAMES,
  type TailVariables,
} from "./backboneTail";
import { tailAndHeadStep, TAIL_LEARNING_RATE_FRACTION, type StandardisationTensors } from "./tailStep";
import {
  HARD_NEGATIVE_CELLS_PER_IMAGE,
  HARD_NEGATIVE_FIRST_EPOCH,
  hardestNegativeCells,
  writeBrandPeaks,
} from "./hardNegatives";
import { BOX_CELL_FRACTION, chooseThresholdForMacroF1, imageScores } from "./imageDecision";
import { mapHeadOf, type MapHead } from "./mapHead";
import { createWeightAverage, WEIGHT_AVERAGE_DECAY, type WeightAverage } from "../weightAverage";

/**
 * Fewest images one epoch feeds the head. A smaller training set is passed several times per
 * epoch, each pass in its own order with its own random negatives, so a run on a few real photos
 * still takes enough optimizer steps: on 184 FlickrLogos-27 photos 12 single-pass epochs (72 steps)
 * reached test macro-F1 0.336, 48 epochs 0.463 and 12 epochs of 4 passes 0.484 (`bench:real`).
 * A generated set of 2,250+ images takes one pass, as before.
 */
export const MIN_IMAGES_PER_EPOCH = 768;
/** Most passes per epoch: more only overfit a tiny set (measured on 60 images, `test/jobs/localizerRun.test.ts`). */
export const MAX_PASSES_PER_EPOCH = 4;

/** Passes over `trainingImages` images that make one epoch (1 … MAX_PASSES_PER_EPOCH). Pure. */
export function passesPerEpoch(trainingImages: number): number {
  if (trainingImages <= 0) return 1;
  return Math.min(MAX_PASSES_PER_EPOCH, Math.max(1, Math.ceil(MIN_IMAGES_PER_EPOCH / trainingImages)));
}

/** Seed labels of pass `pass` of an epoch: none for the first, so a one-pass epoch draws as before. */
function passSeedLabels(pass: number): (string | number)[] {
  return pass === 0 ? [] : ["pass", pass];
}

/**
 * Item order of one epoch of `passes` passes over `count` images, each pass its own seeded
 * shuffle; the first is `epochOrder`'s. Pure given the seed.
 */
export function epochPasses(count: number, passes: number, seed: number, epoch: number): number[] {
  const indices = Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: passes }, (_, pass) =>
    shuffled(indices, createRandom(deriveSeed(seed, "order", epoch, ...passSeedLabels(pass)))),
  ).flat();
}

/** Random no-logo cells drawn per training image each epoch. */
export const NEGATIVE_CELLS_PER_IMAGE = 64;
/**
 * The learning rate decays along a cosine, step by step, from `learningRate` to this fraction of
 * it at the last step: validation macro-F1 swung ±0.04 between epochs at a constant rate and the
 * best epoch was the last one.
 */
export const LEARNING_RATE_FLOOR_FRACTION = 0.05;
/** Images whose cells are scored per forward pass in evaluation. */
const EVAL_IMAGES_PER_PASS = 16;

/** The maps of one split and each image's cell labels (training only). */
interface SplitMaps {
  maps: FeatureMaps;
  labels: Int32Array;
}

/** What one training batch feeds the head. */
export interface CellBatch {
  features: Float32Array;
  labels: Int32Array;
  weights: Float32Array;
  rows: number;
}

/** Chooses up to `count` of `candidates` without replacement (seeded partial Fisher–Yates). */
function sampleCells(candidates: number[], count: number, random: ReturnType<typeof createRandom>): number[] {
  const pool = candidates.slice();
  const take = Math.min(count, pool.length);
  for (let i = 0; i < take; i++) {
    const j = random.int(i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}

/** Per-image work of a batch: its positive and negative cells (MIL picks its positive later). */
interface ImageCells {
  item: number;
  positives: number[];
  negatives: number[];
  /** Logo image without boxes: its positive is the cell the head rates highest for this class. */
  milLabel?: number;
}

/**
 * The cells one image contributes to an epoch: every brand cell and {@link NEGATIVE_CELLS_PER_IMAGE}
 * no-logo cells — the given hard negatives (mined from the previous epoch's head) first, the rest
 * drawn at random from the other no-logo cells (redrawn per epoch); ignored cells never. Pure
 * given the seed.
 */
export function imageCellsFor(
  cellLabelsOfImage: Int32Array,
  noLogoIndex: number,
  hasBoxes: boolean,
  imageLabel: number,
  random: ReturnType<typeof createRandom>,
  negativesPerImage = NEGATIVE_CELLS_PER_IMAGE,
  hardNegatives: readonly number[] = [],
): Omit<ImageCells, "item"> {
  if (!hasBoxes && imageLabel !== noLogoIndex) return { positives: [], negatives: [], milLabel: imageLabel };
  const hard = hardNegatives.slice(0, negativesPerImage);
  const isHard = new Set(hard);
  const positives: number[] = [];
  const negatives: number[] = [];
  cellLabelsOfImage.forEach((label, cell) => {
    if (label === noLogoIndex) {
      if (!isHard.has(cell)) negatives.push(cell);
    } else if (label !== IGNORE_CELL) positives.push(cell);
  });
  return {
    positives,
    negatives: [...hard, ...sampleCells(negatives, negativesPerImage - hard.length, random)],
  };
}

/**
 * Loss weights of a batch's rows: positives share one half of the loss and negatives the other
 * (all of it when the batch has only one kind). The positive half is split equally among the
 * brands in the batch, then among each brand's rows, so a brand with small marks (a wordmark
 * covering one cell) weighs as much as one whose logos fill twenty. Pure.
 */
export function halfAndHalfWeights(isPositive: readonly boolean[], labels: ArrayLike<number>): Float32Array {
  const rowsPerBrand = new Map<number, number>();
  isPositive.forEach((positive, row) => {
    if (positive) rowsPerBrand.set(labels[row], (rowsPerBrand.get(labels[row]) ?? 0) + 1);
  });
  const positives = isPositive.filter(Boolean).length;
  const negatives = isPositive.length - positives;
  const [positiveShare, negativeShare] = positives === 0 ? [0, 1] : negatives === 0 ? [1, 0] : [0.5, 0.5];
  return Float32Array.from(isPositive, (positive, row) =>
    positive ? positiveShare / rowsPerBrand.size / rowsPerBrand.get(labels[row])! : negativeShare / negatives,
  );
}

/**
 * The head over whole quantised maps (`mapHeadOf` folded for bytes), for scoring every cell of
 * many images with the head as it is now. The caller disposes it.
 */
function scoringHead(state: Pick<LocalizerState, "variables" | "standardisation" | "settings">): MapHead {
  return mapHeadOf(
    state.variables,
    state.standardisation,
    contextWindowOf(state.settings),
    dequantizeRelu6(1),
  );
}

/** Cell probabilities `[count · grid², classCount]` of images `start … start + count − 1`. */
function cellProbabilitiesOf(head: MapHead, maps: FeatureMaps, start: number, count: number): tf.Tensor2D {
  return tf.tidy(() => {
    const bytes = maps.maps.subarray(start * mapBytesOf(maps), (start + count) * mapBytesOf(maps));
    return head.probabilities(
      tf.tensor4d(new Float32Array(bytes), [count, maps.grid, maps.grid, maps.channels]),
    );
  });
}

/** The MIL positive: the cell of image `item` the head currently rates highest for `label`. */
function bestCellFor(head: MapHead, maps: FeatureMaps, item: number, label: number): number {
  const cells = maps.grid * maps.grid;
  const scores = tf.tidy(() =>
    cellProbabilitiesOf(head, maps, item, 1).slice([0, label], [cells, 1]).reshape([cells]),
  );
  const values = scores.dataSync();
  scores.dispose();
  let best = 0;
  for (let cell = 1; cell < cells; cell++) if (values[cell] > values[best]) best = cell;
  return best;
}

/** One training row of a batch: a cell of one of its images. */
interface BatchRow {
  /** Position of the image in the batch's entries. */
  entry: number;
  cell: number;
  label: number;
  isPositive: boolean;
}

/** The rows of a batch: each image's positive and negative cells (MIL positives scored by the head now). */
function batchRows(entries: ImageCells[], state: LocalizerState, noLogoIndex: number): BatchRow[] {
  const { train: split } = state;
  const cells = split.maps.grid * split.maps.grid;
  const rows: BatchRow[] = [];
  let head: MapHead | undefined;
  try {
    entries.forEach((entry, index) => {
      if (entry.milLabel !== undefined) {
        head ??= scoringHead(state);
        const cell = bestCellFor(head, split.maps, entry.item, entry.milLabel);
        rows.push({ entry: index, cell, label: entry.milLabel, isPositive: true });
        return;
      }
      const base = entry.item * cells;
      for (const cell of entry.positives)
        rows.push({ entry: index, cell, label: split.labels[base + cell], isPositive: true });
      for (const cell of entry.negatives)
        rows.push({ entry: index, cell, label: noLogoIndex, isPositive: false });
    });
  } finally {
    head?.dispose();
  }
  return rows;
}

function rowWeights(rows: BatchRow[], labels: Int32Array): Float32Array {
  return halfAndHalfWeights(
    rows.map((row) => row.isPositive),
    labels,
  );
}

function assembleBatch(
  entries: ImageCells[],
  state: LocalizerState,
  noLogoIndex: number,
  contextWindow: number,
): CellBatch {
  const { maps } = state.train;
  const cells = maps.grid * maps.grid;
  const rows = batchRows(entries, state, noLogoIndex);
  const features = new Float32Array(rows.length * headInputWidth(maps.channels, contextWindow));
  rows.forEach((row, i) =>
    writeCellRow(
      maps.maps,
      entries[row.entry].item * cells,
      row.cell,
      maps.grid,
      maps.channels,
      state.table,
      features,
      i,
      contextWindow,
    ),
  );
  const labels = Int32Array.from(rows, (row) => row.label);
  return { features, labels, weights: rowWeights(rows, labels), rows: rows.length };
}

/**
 * One step of the tail and the head together on `entries` (their block-11 maps uploaded, run
 * through the tail, the chosen cells fed to the head). Returns the loss and correct rows, or
 * undefined for a batch without rows.
 */
async function tailStep(
  entries: ImageCells[],
  state: LocalizerState,
  tail: TailState,
  optimizer: tf.Optimizer,
  noLogoIndex: number,
  weightDecay: number,
): Promise<{ loss: number; correct: number; rows: number } | undefined> {
  const rows = batchRows(entries, state, noLogoIndex);
  if (rows.length === 0) return undefined;
  const { grid, channels } = tail.lower.train;
  const cells = grid * grid;
  const lowerValues = new Float32Array(entries.length * cells * channels);
  entries.forEach((entry, i) =>
    lowerValues.set(floatValuesOf(tail.lower.train, entry.item, 1), i * cells * channels),
  );
  const labels = Int32Array.from(rows, (row) => row.label);
  const inputs = {
    lower: tf.tensor4d(lowerValues, [entries.length, grid, grid, channels]),
    rowIndices: tf.tensor1d(
      Int32Array.from(rows, (row) => row.entry * cells + row.cell),
      "int32",
    ),
    labels: tf.tensor1d(labels, "int32"),
    weights: tf.tensor1d(rowWeights(rows, labels)),
  };
  const step = tailAndHeadStep(
    tail.variables,
    state.variables,
    tail.standardisation,
    contextWindowOf(state.settings),
    { head: optimizer, tail: tail.optimizer },
    inputs,
    weightDecay,
  );
  const [loss, correct] = [(await step.loss.data())[0], (await step.correct.data())[0]];
  tf.dispose([...Object.values(inputs), step.loss, step.correct]);
  return { loss, correct, rows: rows.length };
}

/**
 * Runs the head as `state` holds it now over every cell of every image of `maps`,
 * {@link EVAL_IMAGES_PER_PASS} images a pass, and hands each pass's cell probabilities
 * (`[count · cells, classCount]`) to `visit`.
 */
function forEachCellProbabilities(
  state: Pick<LocalizerState, "variables" | "standardisation" | "settings">,
  maps: FeatureMaps,
  visit: (values: Float32Array, start: number, count: number) => void,
): void {
  const head = scoringHead(state);
  try {
    for (let start = 0; start < maps.itemCount; start += EVAL_IMAGES_PER_PASS) {
      const count = Math.min(EVAL_IMAGES_PER_PASS, maps.itemCount - start);
      const probabilities = cellProbabilitiesOf(head, maps, start, count);
      const values = probabilities.dataSync() as Float32Array;
      probabilities.dispose();
      visit(values, start, count);
    }
  } finally {
    head.dispose();
  }
}

/** Image scores `[itemCount, classCount]` (see `imageScores`) of every image of `maps`. */
export function scoreImages(
  state: Pick<LocalizerState, "variables" | "standardisation" | "settings">,
  maps: FeatureMaps,
  classCount: number,
  noLogoIndex: number,
): Float32Array {
  const cells = maps.grid * maps.grid;
  const scores = new Float32Array(maps.itemCount * classCount);
  forEachCellProbabilities(state, maps, (values, start, count) => {
    for (let i = 0; i < count; i++) {
      scores.set(
        imageScores(values, cells, classCount, noLogoIndex, i * cells * classCount),
        (start + i) * classCount,
      );
    }
  });
  return scores;
}

/**
 * Each training image's {@link HARD_NEGATIVE_CELLS_PER_IMAGE} hardest no-logo cells under the
 * current head (highest brand peak), one list per image (`imageCellsFor` ignores those of
 * images learned by multiple-instance learning).
 */
function mineHardNegatives(state: LocalizerState, classCount: number, noLogoIndex: number): number[][] {
  const { maps, labels } = state.train;
  const cells = maps.grid * maps.grid;
  const peaks = new Float32Array(maps.itemCount * cells);
  forEachCellProbabilities(state, maps, (values, start, count) => {
    for (let i = 0; i < count; i++)
      writeBrandPeaks(
        values,
        cells,
        classCount,
        noLogoIndex,
        peaks,
        (start + i) * cells,
        i * cells * classCount,
      );
  });
  return state.trainItems.map((_, index) => {
    const range = [index * cells, (index + 1) * cells] as const;
    return hardestNegativeCells(
      peaks.subarray(...range),
      labels.subarray(...range),
      noLogoIndex,
      HARD_NEGATIVE_CELLS_PER_IMAGE,
    );
  });
}

/** Default image sizes the localizer maps (320 px measured best for speed and accuracy). */
export const LOCALIZER_IMAGE_SIZE = 320;

/** What a LOCALIZER with a trainable backbone tail (`trainableLayers` 4) adds to its state. */
interface TailState {
  variables: TailVariables;
  /** The tail's own optimizer (Adam state is not checkpointed: a resumed run restarts it). */
  optimizer: tf.Optimizer;
  /** Block-11 maps (float32) of each split: the tail's inputs. */
  lower: { train: FeatureMaps; validation: FeatureMaps; test?: FeatureMaps };
  /** The head's standardisation as tensors (fixed from the pretrained tail's training maps). */
  standardisation: StandardisationTensors;
  /** First epoch in which the tail trains; before it only the head does, on the pretrained tail's maps. */
  firstEpoch: number;
}

/**
 * The tail trains in the second half of the epochs: first the head learns on the pretrained maps,
 * so the tail's first gradients come from a head that already separates the brands.
 */
export function firstTailEpoch(epochs: number): number {
  return Math.floor(epochs / 2) + 1;
}

interface LocalizerState {
  /** Present when the backbone's top layers train too. */
  tail?: TailState;
  /** The training split's images, COPY_PASTE's composites appended. */
  trainItems: LabeledImage[];
  backbone: SpatialBackbone;
  head: tf.LayersModel;
  variables: CellHeadVariables;
  /**
   * The moving average of {@link variables} and the tail's (`../weightAverage.ts`): swapped in at
   * each epoch's end, so evaluation, mining and the checkpoints see it.
   */
  average: WeightAverage;
  /** Per-channel mean and std of the training maps (the head's inputs are standardised by it). */
  standardisation: ChannelStandardisation;
  /** {@link standardisation} as a byte → value table, for the rows of training batches. */
  table: Float32Array;
  settings: LocalizerSettings;
  train: SplitMaps;
  validation: FeatureMaps;
  test?: FeatureMaps;
}

async function mapSplits(
  options: TrainOptions,
  backbone: SpatialBackbone,
  trainItems: LabeledImage[],
  encoding: MapEncoding,
): Promise<{
  train: FeatureMaps;
  validation: FeatureMaps;
  test?: FeatureMaps;
}> {
  const h = options.hyperparameters;
  const { data } = options;
  if (options.cacheDir === undefined)
    throw new ValidationError("LOCALIZER needs a cacheDir", { field: "cacheDir" });
  const cacheDir = options.cacheDir;
  const version =
    options.datasetVersion ?? datasetVersionOf([...data.train, ...data.validation, ...(data.test ?? [])]);
  const isCopyPaste = h.augmentations.includes("COPY_PASTE");
  const keyOf = (split: string): FeatureCacheKey => ({
    datasetVersion: version,
    split,
    backboneId: backbone.id,
    taps: [backbone.tap],
    imageSize: h.imageSize,
    augmentations: split === "train" && isCopyPaste ? ["COPY_PASTE"] : [],
    views: 1,
    seed: split === "train" && isCopyPaste ? h.seed : 0,
  });
  const total = trainItems.length + data.validation.length + (data.test?.length ?? 0);
  const startedAt = performance.now();
  let before = 0;
  let batch = 0;
  const batchTotal = Math.ceil(total / 8);
  const map = async (split: string, items: TrainingData["train"]) => {
    const maps = await cachedFeatureMaps(
      cacheDir,
      keyOf(split),
      backbone,
      items,
      (done) => {
        batch++;
        const seconds = (performance.now() - startedAt) / 1000;
        void options.onBatch?.({
          phase: "EMBEDDING",
          epoch: 1,
          batch: Math.min(batch, batchTotal),
          batchCount: batchTotal,
          imagesDone: before + done,
          imagesTotal: total,
          imagesPerSecond: seconds > 0 ? (before + done) / seconds : 0,
          loss: null,
        });
      },
      encoding,
    );
    before += items.length;
    return maps;
  };
  const train = await map("train", trainItems);
  const validation = await map("validation", data.validation);
  const test = data.test !== undefined && data.test.length > 0 ? await map("test", data.test) : undefined;
  return { train, validation, ...(test ? { test } : {}) };
}

function trainCellLabels(maps: FeatureMaps, items: LabeledImage[], noLogoIndex: number): Int32Array {
  const cells = maps.grid * maps.grid;
  const labels = new Int32Array(maps.itemCount * cells);
  items.forEach((item, index) => {
    const boxes = fractionBoxes(item.boxes, item.label, maps.widths[index], maps.heights[index]);
    labels.set(cellLabels(item.label === noLogoIndex ? [] : boxes, maps.grid, noLogoIndex), index * cells);
  });
  return labels;
}

/**
 * Tap maps (ReLU6 bytes, as the frozen backbone's) of block-11 maps run through `tail`, one
 * evaluation pass of images at a time; written into `target` when given (a refresh after the tail
 * changed), else into new maps.
 */
function tapMapsOf(tail: TailVariables, lower: FeatureMaps, target?: FeatureMaps): FeatureMaps {
  const channels = tail.tapBias.shape[0];
  const perImage = lower.grid * lower.grid * channels;
  const maps = target ?? {
    maps: new Uint8Array(lower.itemCount * perImage),
    encoding: "relu6-uint8" as const,
    itemCount: lower.itemCount,
    grid: lower.grid,
    channels,
    widths: lower.widths,
    heights: lower.heights,
    isFromCache: false,
  };
  for (let start = 0; start < lower.itemCount; start += EVAL_IMAGES_PER_PASS) {
    const count = Math.min(EVAL_IMAGES_PER_PASS, lower.itemCount - start);
    const tap = tf.tidy(() =>
      tailForward(
        tail,
        tf.tensor4d(floatValuesOf(lower, start, count), [count, lower.grid, lower.grid, lower.channels]),
      ),
    );
    const values = tap.dataSync();
    tap.dispose();
    quantizeRelu6(values, maps.maps, start * perImage);
  }
  return maps;
}

/** The resumed checkpoint's tail, or the backbone's pretrained one, as trainable variables. */
function startingTail(backbone: SpatialBackbone, resumed: LoadedCheckpoint | undefined): TailVariables {
  if (resumed?.manifest.localizer?.tailInputTap !== undefined)
    return createTailVariables(tailWeightsOf(resumed.extraWeights), "localizer_tail");
  const weights = pretrainedTailWeights(backbone);
  try {
    return createTailVariables(weights, "localizer_tail");
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** What a resumed run reads from its checkpoint: the model and tail, and the weight average's live side. */
interface ResumedCheckpoint {
  checkpoint: LoadedCheckpoint;
  weightAverage: Awaited<ReturnType<typeof readWeightAverageState>>;
}

async function prepare(
  options: TrainOptions,
  resumedFrom: ResumedCheckpoint | undefined,
): Promise<LocalizerState> {
  const resumed = resumedFrom?.checkpoint;
  const h = options.hyperparameters;
  const noLogoIndex = options.data.labels.indexOf(NO_LOGO_LABEL);
  const trainItems = h.augmentations.includes("COPY_PASTE")
    ? [...options.data.train, ...(await copyPasteItems(options.data.train, noLogoIndex, h.seed))]
    : options.data.train;
  const isTailTrained = h.trainableLayers === LOCALIZER_TAIL_LAYERS;
  // With a trainable tail the cache holds block 11's maps and the tap maps come from the tail.
  const backbone = await loadMobileNetV2MidBackbone(isTailTrained ? TAIL_INPUT_TAP : MOBILENET_V2_MID_TAP);
  let tailVariables: TailVariables | undefined;
  try {
    const mapped = await mapSplits(options, backbone, trainItems, isTailTrained ? "float32" : "relu6-uint8");
    let { train, validation, test } = mapped;
    if (isTailTrained) {
      const tail = startingTail(backbone, resumed);
      tailVariables = tail;
      [train, validation] = [tapMapsOf(tail, mapped.train), tapMapsOf(tail, mapped.validation)];
      test = mapped.test === undefined ? undefined : tapMapsOf(tail, mapped.test);
    }
    // A resumed run keeps the standardisation its head was trained with.
    const standardisation =
      resumed?.manifest.localizer !== undefined
        ? {
            mean: Float32Array.from(resumed.manifest.localizer.channelMean),
            std: Float32Array.from(resumed.manifest.localizer.channelStd),
          }
        : channelStandardisation(train.maps, train.channels, dequantizeRelu6);
    const table = standardisationTable(standardisation, dequantizeRelu6);
    // A run resumed from a checkpoint written before the context window keeps its plain cells.
    const contextWindow =
      resumed === undefined
        ? contextWindowFor(trainItems.length)
        : contextWindowOf(resumed.manifest.localizer);
    const head = createCellHead(
      headInputWidth(train.channels, contextWindow),
      options.data.labels.length,
      h.seed,
    );
    if (resumed !== undefined) head.setWeights(resumed.model.getWeights());
    const tail: TailState | undefined =
      tailVariables === undefined
        ? undefined
        : {
            variables: tailVariables,
            optimizer: createOptimizer(h.optimizer, h.learningRate * TAIL_LEARNING_RATE_FRACTION),
            lower: {
              train: mapped.train,
              validation: mapped.validation,
              ...(mapped.test ? { test: mapped.test } : {}),
            },
            standardisation: {
              mean: tf.tensor1d(standardisation.mean),
              std: tf.tensor1d(standardisation.std),
            },
            firstEpoch: firstTailEpoch(h.epochs),
          };
    const variables = cellHeadVariables(head);
    const average = startWeightAverage(
      trainedVariables(variables, tail?.variables),
      resumedFrom?.weightAverage,
    );
    return {
      ...(tail ? { tail } : {}),
      trainItems,
      backbone,
      head,
      variables,
      average,
      standardisation,
      table,
      settings: {
        grid: train.grid,
        channels: train.channels,
        contextWindow,
        channelMean: Array.from(standardisation.mean),
        channelStd: Array.from(standardisation.std),
        boxCellFraction: BOX_CELL_FRACTION,
        ...(isTailTrained ? { tailInputTap: TAIL_INPUT_TAP } : {}),
      },
      train: { maps: train, labels: trainCellLabels(train, trainItems, noLogoIndex) },
      validation,
      ...(test ? { test } : {}),
    };
  } catch (error) {
    if (tailVariables !== undefined) tf.dispose(Object.values(tailVariables));
    backbone.dispose();
    throw error;
  }
}

/** Frees what {@link prepare} made beyond the head and backbone: the tail's variables, optimizer and tensors. */
function disposeTail(tail: TailState | undefined): void {
  if (tail === undefined) return;
  disposeOptimizer(tail.optimizer);
  tf.dispose([...Object.values(tail.variables), tail.standardisation.mean, tail.standardisation.std]);
}

/** After an epoch that trained the tail: every split's tap maps recomputed, so scoring sees the tail as it is. */
function refreshTapMaps(state: LocalizerState, tail: TailState): void {
  tapMapsOf(tail.variables, tail.lower.train, state.train.maps);
  tapMapsOf(tail.variables, tail.lower.validation, state.validation);
  if (tail.lower.test !== undefined && state.test !== undefined)
    tapMapsOf(tail.variables, tail.lower.test, state.test);
}

/**
 * One epoch: hard negatives mined with the weights as they are (the previous epoch's average),
 * then the live weights swapped back in for the optimizer steps, the average updated after each,
 * and swapped in again at the end (tap maps refreshed with the averaged tail), so evaluation and
 * checkpoints see the average.
 */
async function runEpoch(
  state: LocalizerState,
  optimizer: tf.Optimizer,
  epoch: number,
  options: TrainOptions,
  noLogoIndex: number,
): Promise<{ loss: number; trainAccuracy: number; imagesPerSecond: number } | "CANCELLED"> {
  const h = options.hyperparameters;
  const items = state.trainItems;
  const passes = passesPerEpoch(items.length);
  const order = epochPasses(items.length, passes, h.seed, epoch);
  const cells = state.train.maps.grid * state.train.maps.grid;
  const batches = Math.ceil(order.length / h.batchSize);
  const contextWindow = contextWindowOf(state.settings);
  const rowWidth = headInputWidth(state.settings.channels, contextWindow);
  const startedAt = performance.now();
  // The tail trains from its first epoch on; before, the head alone on the pretrained tail's maps.
  const tail = state.tail !== undefined && epoch >= state.tail.firstEpoch ? state.tail : undefined;
  const hardNegatives =
    epoch >= HARD_NEGATIVE_FIRST_EPOCH
      ? mineHardNegatives(state, options.data.labels.length, noLogoIndex)
      : items.map(() => []);
  const { average } = state;
  if (average.isSwapped) average.swap();
  let [lossSum, correct, rows, imagesDone] = [0, 0, 0, 0];
  for (let b = 0; b < batches; b++) {
    if (options.signal?.aborted || (options.shouldStop !== undefined && (await options.shouldStop())))
      return "CANCELLED";
    const start = b * h.batchSize;
    const entries = order.slice(start, start + h.batchSize).map((item, i): ImageCells => {
      const pass = Math.floor((start + i) / items.length);
      const random = createRandom(deriveSeed(h.seed, "cells", epoch, item, ...passSeedLabels(pass)));
      const hasBoxes = (items[item].boxes?.length ?? 0) > 0;
      const labels = state.train.labels.subarray(item * cells, (item + 1) * cells);
      return {
        item,
        ...imageCellsFor(
          labels,
          noLogoIndex,
          hasBoxes,
          items[item].label,
          random,
          NEGATIVE_CELLS_PER_IMAGE,
          hardNegatives[item],
        ),
      };
    });
    const progress = ((epoch - 1) * batches + b) / (h.epochs * batches);
    const rate = cosineLearningRate(h.learningRate, progress, LEARNING_RATE_FLOOR_FRACTION);
    setLearningRate(optimizer, rate);
    let stepResult: { loss: number; correct: number; rows: number } | undefined;
    if (tail !== undefined) {
      setLearningRate(tail.optimizer, rate * TAIL_LEARNING_RATE_FRACTION);
      stepResult = await tailStep(entries, state, tail, optimizer, noLogoIndex, h.weightDecay);
    } else {
      const batch = assembleBatch(entries, state, noLogoIndex, contextWindow);
      if (batch.rows > 0) {
        const x = tf.tensor2d(batch.features, [batch.rows, rowWidth]);
        const y = tf.tensor1d(batch.labels, "int32");
        const w = tf.tensor1d(batch.weights);
        const step = cellHeadStep(state.variables, optimizer, x, y, w, h.weightDecay);
        const [loss, correctRows] = [(await step.loss.data())[0], (await step.correct.data())[0]];
        tf.dispose([x, y, w, step.loss, step.correct]);
        stepResult = { loss, correct: correctRows, rows: batch.rows };
      }
    }
    if (stepResult === undefined) continue;
    average.update();
    const lossValue = stepResult.loss;
    lossSum += lossValue * entries.length;
    correct += stepResult.correct;
    rows += stepResult.rows;
    imagesDone += entries.length;
    const seconds = (performance.now() - startedAt) / 1000;
    await options.onBatch?.({
      phase: "TRAINING",
      epoch,
      batch: b + 1,
      batchCount: batches,
      imagesDone,
      imagesTotal: order.length,
      imagesPerSecond: imagesDone / seconds,
      loss: lossValue,
    });
  }
  average.swap();
  if (tail !== undefined) refreshTapMaps(state, tail);
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    loss: imagesDone > 0 ? lossSum / imagesDone : 0,
    trainAccuracy: rows > 0 ? correct / rows : 0,
    imagesPerSecond: imagesDone / Math.max(seconds, 1e-9),
  };
}

function evaluateEpoch(
  state: LocalizerState,
  epoch: number,
  outcome: EpochOutcome,
  startedAt: number,
  options: TrainOptions,
  noLogoIndex: number,
): EpochMetrics {
  const { data } = options;
  const classCount = data.labels.length;
  const actual = Int32Array.from(data.validation, (item) => item.label);
  const scores = scoreImages(state, state.validation, classCount, noLogoIndex);
  const { threshold } = chooseThresholdForMacroF1(scores, classCount, actual, noLogoIndex);
  const report = classificationReport(
    data.labels,
    actual,
    decide(scores, classCount, noLogoIndex, threshold),
  );
  let testAccuracy: number | undefined;
  if (state.test !== undefined && data.test !== undefined) {
    const testScores = scoreImages(state, state.test, classCount, noLogoIndex);
    testAccuracy = classificationReport(
      data.labels,
      Int32Array.from(data.test, (item) => item.label),
      decide(testScores, classCount, noLogoIndex, threshold),
    ).accuracy;
  }
  return epochMetricsOf({
    epoch,
    outcome,
    report,
    trainLabels: data.train.map((item) => item.label),
    validationLabels: actual,
    testAccuracy,
    noLogoThreshold: threshold,
    startedAt,
  });
}

/** Names of the live weights in a checkpoint, by position in {@link trainedVariables}. */
function liveWeightName(index: number): string {
  return `live_${index}`;
}

/** Writes a checkpoint of `state` with the average swapped in: the model is the average, the live weights ride along. */
async function writeCheckpoint(
  directory: string,
  state: LocalizerState,
  optimizer: tf.Optimizer,
  metrics: EpochMetrics,
  history: EpochMetrics[],
  bestEpoch: number,
  h: Hyperparameters,
  labels: string[],
): Promise<void> {
  await saveCheckpoint(directory, {
    model: state.head,
    ...(state.tail === undefined
      ? {}
      : {
          extraWeights: Object.fromEntries(
            TAIL_VARIABLE_NAMES.map((name) => [name, state.tail!.variables[name]]),
          ),
        }),
    manifest: {
      architecture: "LOCALIZER",
      labels,
      imageSize: h.imageSize,
      preprocessing: FULL_IMAGE_PREPROCESSING,
      epoch: metrics.epoch,
      metrics,
      hyperparameters: h,
      ...(metrics.noLogoThreshold === undefined ? {} : { noLogoThreshold: metrics.noLogoThreshold }),
      backbone: { id: state.backbone.id, taps: [MOBILENET_V2_MID_TAP] },
      localizer: state.settings,
    },
    training: {
      optimizer,
      optimizerName: h.optimizer,
      history,
      bestEpoch,
      weightAverage: {
        liveWeights: Object.fromEntries(
          state.average.liveValues().map((value, i) => [liveWeightName(i), value]),
        ),
        steps: state.average.steps,
      },
    },
  });
}

/** The variables a run trains (head, then the tail's when it has one): what its weight average covers. */
function trainedVariables(head: CellHeadVariables, tail: TailVariables | undefined): tf.Variable[] {
  const { hiddenKernel, hiddenBias, outputKernel, outputBias } = head;
  return [
    hiddenKernel,
    hiddenBias,
    outputKernel,
    outputBias,
    ...(tail === undefined ? [] : TAIL_VARIABLE_NAMES.map((name) => tail[name])),
  ];
}

/**
 * The weight average of `variables`, started at their values now. A resumed run's model is the
 * checkpoint's average: the `saved` live weights go into the variables and the average is swapped
 * in, so the run goes on exactly as the uninterrupted one (which ends each epoch with the average
 * swapped in). The caller keeps `saved`'s tensors (assigning shares them).
 */
function startWeightAverage(
  variables: tf.Variable[],
  saved: ResumedCheckpoint["weightAverage"],
): WeightAverage {
  const average = createWeightAverage(variables, WEIGHT_AVERAGE_DECAY, saved?.steps ?? 0);
  if (saved !== undefined) {
    variables.forEach((variable, i) => variable.assign(saved.liveWeights[liveWeightName(i)]));
    average.swap();
  }
  return average;
}

/**
 * Trains a LOCALIZER run (called by `train` for that architecture; same options, callbacks,
 * checkpoints `last/`, `best/`, resuming and cancellation). The checkpoint's model is the cell
 * head; its manifest's `localizer` says how to feed it (grid, standardisation), `backbone` which
 * map. Needs a `no-logo` class. Tensor count is unchanged after the call.
 */
export async function trainLocalizer(options: TrainOptions): Promise<TrainResult> {
  const h = options.hyperparameters;
  const noLogoIndex = options.data.labels.indexOf(NO_LOGO_LABEL);
  if (noLogoIndex < 0) {
    throw new ValidationError(`LOCALIZER needs a "${NO_LOGO_LABEL}" class (its background cells)`, {
      field: "dataset",
    });
  }
  const resumed = options.resumeFrom === undefined ? undefined : await loadCheckpoint(options.resumeFrom);
  const resumedManifest: CheckpointManifest | undefined = resumed?.manifest;
  let weightAverage: ResumedCheckpoint["weightAverage"];
  let state: LocalizerState;
  try {
    if (resumed !== undefined && options.resumeFrom !== undefined)
      weightAverage = await readWeightAverageState(options.resumeFrom, resumed.manifest);
    state = await prepare(
      options,
      resumed === undefined ? undefined : { checkpoint: resumed, weightAverage },
    );
  } finally {
    if (resumed !== undefined) disposeCheckpoint(resumed);
    if (weightAverage !== undefined) tf.dispose(Object.values(weightAverage.liveWeights));
  }
  const optimizer = createOptimizer(h.optimizer, h.learningRate);
  const history: EpochMetrics[] = resumedManifest?.training?.history.slice() ?? [];
  let bestEpoch = resumedManifest?.training?.bestEpoch ?? 0;
  const lastCheckpoint = path.join(options.checkpointDir, "last");
  const bestCheckpoint = path.join(options.checkpointDir, "best");
  let status: TrainResult["status"] = "SUCCEEDED";
  try {
    if (resumedManifest !== undefined && options.resumeFrom !== undefined)
      await restoreOptimizerState(options.resumeFrom, resumedManifest, optimizer);
    for (let epoch = history.length + 1; epoch <= h.epochs; epoch++) {
      const startedAt = performance.now();
      const outcome = await runEpoch(state, optimizer, epoch, options, noLogoIndex);
      if (outcome === "CANCELLED") {
        status = "CANCELLED";
        break;
      }
      const metrics = evaluateEpoch(state, epoch, outcome, startedAt, options, noLogoIndex);
      history.push(metrics);
      const isBest = isBetterEpoch(
        metrics,
        history.find((m) => m.epoch === bestEpoch),
      );
      if (isBest) bestEpoch = epoch;
      const save = (directory: string) =>
        writeCheckpoint(directory, state, optimizer, metrics, history, bestEpoch, h, options.data.labels);
      await save(lastCheckpoint);
      if (isBest) await save(bestCheckpoint);
      if (options.keepEveryEpoch)
        await save(path.join(options.checkpointDir, `epoch-${String(epoch).padStart(3, "0")}`));
      await options.onEpoch?.(metrics, isBest);
    }
  } finally {
    state.average.dispose();
    disposeOptimizer(optimizer);
    disposeTail(state.tail);
    state.head.dispose();
    state.backbone.dispose();
  }
  return {
    status,
    epochs: history,
    bestEpoch: bestEpoch > 0 ? bestEpoch : null,
    bestCheckpoint: bestEpoch > 0 ? bestCheckpoint : null,
    lastCheckpoint: history.length > 0 ? lastCheckpoint : null,
  };
}
