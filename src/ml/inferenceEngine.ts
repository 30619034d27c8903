import * as tf from "@tensorflow/tfjs";
import { loadCheckpoint, type CheckpointManifest, type LoadedCheckpoint } from "./checkpoint";
import { compileForInference, type CompiledModel } from "./inferenceGraph";

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
   * `imageSize`) → probabilities `[imageCount, classCount]`, row-major. The engine may take the
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

/** A loaded checkpoint and the prediction plan compiled from it (which borrows its model). */
interface ServedModel {
  checkpoint: LoadedCheckpoint;
  compiled: CompiledModel;
}

/**
 * Runs forward passes in the thread that calls it (the engine inside the inference worker, too).
 * Each model is compiled once on load (src/ml/inferenceGraph.ts: batch norms folded, activations
 * fused) and predicts through that plan.
 */
export class InProcessInference implements InferenceEngine {
  private readonly models = new Map<number, ServedModel>();
  private nextModelId = 1;

  get numTensors(): number {
    return tf.memory().numTensors;
  }

  async load(directory: string): Promise<LoadedModel> {
    const checkpoint = await loadCheckpoint(directory);
    let compiled: CompiledModel;
    try {
      compiled = compileForInference(checkpoint.model);
    } catch (error) {
      checkpoint.model.dispose();
      throw error;
    }
    const model: ModelHandle = { modelId: this.nextModelId++ };
    this.models.set(model.modelId, { checkpoint, compiled });
    return {
      model,
      manifest: checkpoint.manifest,
      weightBytes: weightBytes(checkpoint.model) + compiled.weightBytes,
    };
  }

  async predict(model: ModelHandle, batch: Float32Array, imageCount: number): Promise<Float32Array> {
    const served = this.models.get(model.modelId);
    if (served === undefined) throw new Error(`model ${model.modelId} is not loaded`);
    return forwardPass(served.compiled, batch, imageCount, served.checkpoint.manifest.imageSize);
  }

  dispose(model: ModelHandle): void {
    const served = this.models.get(model.modelId);
    // The plan borrows the model: free it first.
    served?.compiled.dispose();
    served?.checkpoint.model.dispose();
    this.models.delete(model.modelId);
  }

  async close(): Promise<void> {
    for (const modelId of [...this.models.keys()]) this.dispose({ modelId });
  }
}
