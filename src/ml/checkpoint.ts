import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CROP_FRACTION } from "./augment";
import type { ClassMetrics } from "./evaluate";
import type { ConfusionMatrix } from "./confusionMatrix";
import type { Architecture, Hyperparameters } from "./hyperparameters";
import { fileModelHandler, sha256Hex, WEIGHTS_BIN } from "./modelFiles";

export const MANIFEST_JSON = "manifest.json";

/** Whether `directory` holds a complete checkpoint (its manifest is written last). */
export function hasCheckpoint(directory: string): boolean {
  return existsSync(path.join(directory, MANIFEST_JSON));
}
export const OPTIMIZER_BIN = "optimizer.bin";
/** The live (not averaged) weights of a run whose model is a weight average (`ml/weightAverage.ts`). */
export const LIVE_WEIGHTS_BIN = "live-weights.bin";
/** Weights a checkpoint holds beside its layers model (a LOCALIZER's fine-tuned backbone tail). */
export const EXTRA_WEIGHTS_BIN = "extra-weights.bin";
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Metrics of one epoch (API.md `EpochMetric`, plus throughput). */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
  valMacroF1: number;
  /** Present when a test split was given. */
  testAccuracy?: number;
  majorityBaselineAccuracy: number;
  /** Wall time of the epoch including evaluation, ms. */
  durationMs: number;
  /** Training images per second over the epoch's training batches. */
  imagesPerSecond: number;
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
  /** Datasets with a no-logo class: the threshold chosen on this epoch's validation predictions. */
  noLogoThreshold?: number;
}

/** How raw images become model inputs; inference must do exactly this. */
export interface Preprocessing {
  colorSpace: "RGB";
  /** Pixel values are divided by 255. */
  inputRange: [0, 1];
  /** The centered crop (side fraction) taken before resizing to `imageSize`² ignoring aspect. */
  centerCropFraction: number;
  /** Images are rotated by their EXIF orientation first. */
  isExifRotated: true;
}

/** Named tensors stored in one file of a checkpoint, checked by sha256 on load. */
export interface WeightsFileRef {
  file: string;
  sha256: string;
  weightSpecs: tf.io.WeightsManifestEntry[];
}

/** Optimizer state stored beside the weights so a run can resume exactly. */
export interface OptimizerStateRef extends WeightsFileRef {
  name: string;
}

/** The JSON beside a checkpoint's tfjs model. */
export interface CheckpointManifest {
  formatVersion: number;
  architecture: Architecture;
  /** Output classes in model order. */
  labels: string[];
  imageSize: number;
  preprocessing: Preprocessing;
  /** 1-based epoch whose end state this is. */
  epoch: number;
  metrics: EpochMetrics;
  hyperparameters: Hyperparameters;
  /** sha256 of `weights.bin`. */
  weightsSha256: string;
  /**
   * P(no-logo) at or above which inference says "no-logo" (see `decide`), chosen on this epoch's
   * validation predictions by `chooseNoLogoThreshold`. Absent for datasets without a no-logo class
   * and for checkpoints written before it existed (inference then falls back to the argmax).
   */
  noLogoThreshold?: number;
  /** MOBILENET_V2 and LOCALIZER: which backbone and taps the head was trained on. */
  backbone?: { id: string; taps: string[] };
  /** LOCALIZER only: how its per-cell head reads the backbone's map. */
  localizer?: LocalizerSettings;
  /** Tensors beside the layers model (LOCALIZER: the fine-tuned backbone tail, `localizer.tailInputTap`). */
  extraWeights?: WeightsFileRef;
  /** Training state for resuming: optimizer, earlier epochs, the best epoch so far. */
  training?: {
    optimizer: OptimizerStateRef;
    history: EpochMetrics[];
    bestEpoch: number;
    /**
     * Present when the model's weights are a running average of the optimizer's (LOCALIZER): the
     * weights the optimizer steps were taking, to resume from, and how many updates the average has had.
     */
    weightAverage?: { liveWeights: WeightsFileRef; steps: number };
  };
}

/** What a LOCALIZER checkpoint needs beyond its head's weights. */
export interface LocalizerSettings {
  /** Cells per side of the map at `imageSize`. */
  grid: number;
  channels: number;
  /** Per-channel standardisation of the map (training cells' mean and standard deviation). */
  channelMean: number[];
  channelStd: number[];
  /** Neighbouring cells join the decoded box at this share of the peak cell's probability. */
  boxCellFraction: number;
  /**
   * Cells per side of the window whose mean follows each cell's channels in the head's input
   * (`ml/localizer/cellContext.ts`); absent or 1: each cell alone (checkpoints before it).
   */
  contextWindow?: number;
  /**
   * Set when the backbone's top layers were fine-tuned (`trainableLayers` 4): the graph node the
   * frozen part ends at; the checkpoint's `extraWeights` hold the tail (`ml/localizer/backboneTail.ts`)
   * that maps it to the head's input. Absent: the head reads the frozen tap.
   */
  tailInputTap?: string;
}

/** The whole image resized, no crop: what LOCALIZER models see (their boxes map back linearly). */
export const FULL_IMAGE_PREPROCESSING: Preprocessing = {
  colorSpace: "RGB",
  inputRange: [0, 1],
  centerCropFraction: 1,
  isExifRotated: true,
};

/** The preprocessing of the whole-image classifiers (every architecture but LOCALIZER). */
export const STANDARD_PREPROCESSING: Preprocessing = {
  colorSpace: "RGB",
  inputRange: [0, 1],
  centerCropFraction: CROP_FRACTION,
  isExifRotated: true,
};

/** What {@link saveCheckpoint} writes. */
export interface CheckpointContents {
  model: tf.LayersModel;
  manifest: Omit<CheckpointManifest, "weightsSha256" | "formatVersion" | "training" | "extraWeights">;
  /** Tensors to store beside the model (`extraWeights.bin`), e.g. a fine-tuned backbone tail. */
  extraWeights?: tf.NamedTensorMap;
  /** Optional training state; `optimizer` is serialised with `getWeights()`. */
  training?: {
    optimizer: tf.Optimizer;
    optimizerName: string;
    history: EpochMetrics[];
    bestEpoch: number;
    /** When the model holds a weight average: the live weights (`live-weights.bin`) and its update count. */
    weightAverage?: { liveWeights: tf.NamedTensorMap; steps: number };
  };
}

/**
 * Writes a checkpoint directory: `model.json` + `weights.bin` (tfjs layers format), `manifest.json`
 * and, when training state is given, `optimizer.bin`. Written to `directory.tmp` then renamed, so a
 * reader never sees a half-written checkpoint. Returns the manifest.
 */
export async function saveCheckpoint(
  directory: string,
  contents: CheckpointContents,
): Promise<CheckpointManifest> {
  const staging = `${directory}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    return await writeStagedCheckpoint(directory, staging, contents);
  } catch (error) {
    // A full disk leaves a partly written staging folder: free its space, keep the previous checkpoint.
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw checkpointWriteError(directory, error);
  }
}

/** The error of a failed checkpoint write, naming the checkpoint (fs errors of `write` name no path). */
function checkpointWriteError(directory: string, error: unknown): Error {
  if (!(error instanceof Error)) return new Error(`cannot write checkpoint ${directory}: ${String(error)}`);
  const wrapped = new Error(`cannot write checkpoint ${directory}: ${error.message}`, { cause: error });
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) Object.assign(wrapped, { code });
  return wrapped;
}

async function writeStagedCheckpoint(
  directory: string,
  staging: string,
  contents: CheckpointContents,
): Promise<CheckpointManifest> {
  await contents.model.save(fileModelHandler(staging));
  const manifest: CheckpointManifest = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    ...contents.manifest,
    weightsSha256: sha256Hex(await readFile(path.join(staging, WEIGHTS_BIN))),
  };
  if (contents.extraWeights !== undefined)
    manifest.extraWeights = await writeWeightsFile(staging, EXTRA_WEIGHTS_BIN, contents.extraWeights);
  if (contents.training !== undefined) {
    const { optimizer, optimizerName, history, bestEpoch, weightAverage } = contents.training;
    const state = await optimizer.getWeights();
    const ref = await writeWeightsFile(staging, OPTIMIZER_BIN, state);
    // getWeights() returns the optimizer's own variables plus a fresh `iterations` scalar: free the latter.
    tf.dispose(state.map((named) => named.tensor).filter((tensor) => !(tensor instanceof tf.Variable)));
    manifest.training = {
      optimizer: { name: optimizerName, ...ref },
      history,
      bestEpoch,
      ...(weightAverage === undefined
        ? {}
        : {
            weightAverage: {
              liveWeights: await writeWeightsFile(staging, LIVE_WEIGHTS_BIN, weightAverage.liveWeights),
              steps: weightAverage.steps,
            },
          }),
    };
  }
  await writeFile(path.join(staging, MANIFEST_JSON), JSON.stringify(manifest, null, 2));
  await rm(directory, { recursive: true, force: true });
  await rename(staging, directory);
  return manifest;
}

/** Encodes `tensors` into `directory/file` and returns the reference the manifest keeps. */
async function writeWeightsFile(
  directory: string,
  file: string,
  tensors: Parameters<typeof tf.io.encodeWeights>[0],
): Promise<WeightsFileRef> {
  const encoded = await tf.io.encodeWeights(tensors);
  const bytes = new Uint8Array(encoded.data);
  await writeFile(path.join(directory, file), bytes);
  return { file, sha256: sha256Hex(bytes), weightSpecs: encoded.specs };
}

/** Decodes a weights file of a checkpoint after checking its sha256 (`what` names it in the error). */
async function readWeightsFile(
  directory: string,
  ref: WeightsFileRef,
  what: string,
): Promise<tf.NamedTensorMap> {
  const bytes = await readFile(path.join(directory, ref.file));
  if (sha256Hex(bytes) !== ref.sha256) throw new Error(`checkpoint ${directory} ${what} is corrupt`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, ref.weightSpecs);
}

/** Reads and checks a checkpoint's manifest (format version, weights sha256). */
export async function readManifest(directory: string): Promise<CheckpointManifest> {
  const manifest = JSON.parse(
    await readFile(path.join(directory, MANIFEST_JSON), "utf8"),
  ) as CheckpointManifest;
  if (manifest.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(
      `checkpoint ${directory} has format ${manifest.formatVersion}, expected ${CHECKPOINT_FORMAT_VERSION}`,
    );
  }
  const digest = sha256Hex(await readFile(path.join(directory, WEIGHTS_BIN)));
  if (digest !== manifest.weightsSha256) {
    throw new Error(
      `checkpoint ${directory} weights have sha256 ${digest}, manifest says ${manifest.weightsSha256}`,
    );
  }
  return manifest;
}

/** A model ready for inference with the manifest that says how to feed it. */
export interface LoadedCheckpoint {
  model: tf.LayersModel;
  manifest: CheckpointManifest;
  /** The manifest's `extraWeights`, decoded (owned by whoever owns the model). */
  extraWeights?: tf.NamedTensorMap;
}

/** Frees a loaded checkpoint's model and extra weights. */
export function disposeCheckpoint(checkpoint: LoadedCheckpoint): void {
  checkpoint.model.dispose();
  if (checkpoint.extraWeights !== undefined) tf.dispose(Object.values(checkpoint.extraWeights));
}

/** Loads a checkpoint for inference (no training code needed); verifies the weights' sha256. */
export async function loadCheckpoint(directory: string): Promise<LoadedCheckpoint> {
  const manifest = await readManifest(directory);
  const model = await tf.loadLayersModel(fileModelHandler(directory));
  if (manifest.extraWeights === undefined) return { model, manifest };
  try {
    return {
      model,
      manifest,
      extraWeights: await readWeightsFile(directory, manifest.extraWeights, manifest.extraWeights.file),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * The live weights and update count saved with a checkpoint whose model is a weight average, or
 * undefined for one that has none (a checkpoint from before averaging: the model's weights are the
 * live ones). The caller disposes the tensors.
 */
export async function readWeightAverageState(
  directory: string,
  manifest: CheckpointManifest,
): Promise<{ liveWeights: tf.NamedTensorMap; steps: number } | undefined> {
  const saved = manifest.training?.weightAverage;
  if (saved === undefined) return undefined;
  return {
    liveWeights: await readWeightsFile(directory, saved.liveWeights, "live weights"),
    steps: saved.steps,
  };
}

/** Restores the optimizer state saved with a checkpoint into `optimizer` (same kind, same variables). */
export async function restoreOptimizerState(
  directory: string,
  manifest: CheckpointManifest,
  optimizer: tf.Optimizer,
): Promise<void> {
  const ref = manifest.training?.optimizer;
  if (ref === undefined) throw new Error(`checkpoint ${directory} has no optimizer state to resume from`);
  const decoded = await readWeightsFile(directory, ref, "optimizer state");
  // setWeights keeps the tensors as its own variables' values; dispose our copies afterwards.
  const named = ref.weightSpecs.map((spec) => ({ name: spec.name, tensor: decoded[spec.name] }));
  await optimizer.setWeights(named);
  tf.dispose(Object.values(decoded));
}
