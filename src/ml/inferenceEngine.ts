import * as tf from "@tensorflow/tfjs";
import {
  disposeCheckpoint,
  loadCheckpoint,
  type CheckpointManifest,
  type LoadedCheckpoint,
} from "./checkpoint";
import { compileForInference, type CompiledModel } from "./inferenceGraph";
import { localizerPredictor } from "./localizer/localizerInference";
import { loadMobileNetV2MidBackbone, type SpatialBackbone } from "./models/graphBackbone";

/** A model loaded by an {@link InferenceEngine}; valid until that engine disposes it. */
export interface ModelHandle {
  readonly modelId: number;
}

/** What {@link InferenceEngine.load} returns. */
export interface LoadedModel {
  model: ModelHandle;
  manifest: CheckpointManifest;
  /**
   * Bytes the model's weights occupy in memory (what the model cache counts): the checkpoint's
   * weights plus the batch-norm-folded copies its compiled plan keeps beside them.
   */
  weightBytes: number;
}

/**
 * Where forward passes run: {@link InProcessInference} in the calling thread, or `InferenceThread`
 * in a worker thread (src/ml/inferenceThread.ts), which keeps the event loop free.
 */
export interface InferenceEngine {
  /** Loads the checkpoint in `directory` (sha256 checked); throws its load error. */
  load(directory: string): Promise<LoadedModel>;
  /**
   * One forward pass: `batch` `[imageCount, s, s, 3]` float32 in [0, 1] (s = the manifest's
   * `imageSize`) → probabilities `[imageCount, classCount]`, row-major (LOCALIZER: rows of
   * `classCount` scores then the box as 4 fractions, see `outputWidthOf`). The engine may take the
   * batch's buffer over (a worker gets it transferred), so the caller must not read it afterwards.
   */
  predict(model: ModelHandle, batch: Float32Array, imageCount: number): Promise<Float32Array>;
  /** Frees the model's weights; the handle must not be used afterwards. */
  dispose(model: ModelHandle): void;
  /** `tf.memory().numTensors` of the thread that runs the forward passes (a worker: as of its latest reply). */
  readonly numTensors: number;
  /** Waits for the work already asked for, then frees every model and stops. */
  close(): Promise<void>;
}

/** Bytes a model's weights occupy in memory (4 per float32/int32 element, 1 otherwise). */
export function weightBytes(model: tf.LayersModel): number {
  return model.weights.reduce((sum, weight) => {
    const elements = weight.shape.reduce<number>((product, side) => product * (side ?? 1), 1);
    return sum + elements * (weight.dtype === "float32" || weight.dtype === "int32" ? 4 : 1);
  }, 0);
}

/**
 * One forward pass: `batch` `[imageCount, imageSize, imageSize, 3]` float32 → probabilities
 * `[imageCount, classCount]` in a new array the caller owns (safe to transfer). Synchronous; no
 * tensor outlives the call. Serving passes the model's {@link CompiledModel}; a plain `LayersModel`
 * runs `model.predict` (the uncompiled baseline).
 */
export function forwardPass(
  model: CompiledModel | tf.LayersModel,
  batch: Float32Array,
  imageCount: number,
  imageSize: number,
): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(batch, [imageCount, imageSize, imageSize, 3]);
    const output = model.predict(input) as tf.Tensor2D;
    // dataSync() may return the backend's own storage (cpu): copy it out.
    return Float32Array.from(output.dataSync());
  });
}

/** A loaded checkpoint and how it predicts (a compiled plan, or a localizer on the shared backbone). */
interface ServedModel {
  checkpoint: LoadedCheckpoint;
  predict(batch: Float32Array, imageCount: number): Float32Array;
  /** Frees what was made beside the checkpoint's model. */
  release(): void;
  extraBytes: number;
}

/**
 * Runs forward passes in the thread that calls it (the engine inside the inference worker, too).
 * Each whole-image model is compiled once on load (src/ml/inferenceGraph.ts: batch norms folded,
 * activations fused) and predicts through that plan; LOCALIZER checkpoints share one
 * MobileNetV2-1.4 graph backbone, loaded with the first of them.
 */
export class InProcessInference implements InferenceEngine {
  private readonly models = new Map<number, ServedModel>();
  private nextModelId = 1;
  private midBackbone: Promise<SpatialBackbone> | undefined;

  get numTensors(): number {
    return tf.memory().numTensors;
  }

  private sharedBackbone(): Promise<SpatialBackbone> {
    this.midBackbone ??= loadMobileNetV2MidBackbone();
    this.midBackbone.catch(() => (this.midBackbone = undefined));
    return this.midBackbone;
  }

  private async serve(checkpoint: LoadedCheckpoint): Promise<ServedModel> {
    const { manifest } = checkpoint;
    if (manifest.architecture === "LOCALIZER") {
      if (manifest.localizer === undefined) throw new Error("LOCALIZER checkpoint has no localizer settings");
      const predictor = localizerPredictor(checkpoint, await this.sharedBackbone());
      return {
        checkpoint,
        predict: (batch, imageCount) => predictor.predict(batch, imageCount),
        release: () => predictor.dispose(),
        extraBytes: predictor.extraWeightBytes,
      };
    }
    const compiled: CompiledModel = compileForInference(checkpoint.model);
    return {
      checkpoint,
      predict: (batch, imageCount) => forwardPass(compiled, batch, imageCount, manifest.imageSize),
      release: () => compiled.dispose(),
      extraBytes: compiled.weightBytes,
    };
  }

  async load(directory: string): Promise<LoadedModel> {
    const checkpoint = await loadCheckpoint(directory);
    let served: ServedModel;
    try {
      served = await this.serve(checkpoint);
    } catch (error) {
      disposeCheckpoint(checkpoint);
      throw error;
    }
    const model: ModelHandle = { modelId: this.nextModelId++ };
    this.models.set(model.modelId, served);
    return {
      model,
      manifest: checkpoint.manifest,
      weightBytes: weightBytes(checkpoint.model) + served.extraBytes,
    };
  }

  async predict(model: ModelHandle, batch: Float32Array, imageCount: number): Promise<Float32Array> {
    const served = this.models.get(model.modelId);
    if (served === undefined) throw new Error(`model ${model.modelId} is not loaded`);
    return served.predict(batch, imageCount);
  }

  dispose(model: ModelHandle): void {
    const served = this.models.get(model.modelId);
    // The plan borrows the model: free it first.
    served?.release();
    if (served !== undefined) disposeCheckpoint(served.checkpoint);
    this.models.delete(model.modelId);
  }

  async close(): Promise<void> {
    for (const modelId of [...this.models.keys()]) this.dispose({ modelId });
    const backbone = this.midBackbone;
    this.midBackbone = undefined;
    if (backbone !== undefined) (await backbone.catch(() => undefined))?.dispose();
  }
}
