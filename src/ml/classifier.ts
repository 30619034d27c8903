import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { RateLimitedError } from "../errors";
import { CROP_FRACTION, evaluationPlan } from "./augment";
import { loadCheckpoint, type LoadedCheckpoint } from "./checkpoint";
import { toClassificationOutput, validateTopK, type ClassificationOutput } from "./classificationOutput";
import { ConcurrencyLimit } from "./concurrencyLimit";
import { assertSupportedSignature } from "./imageSignature";
import { DEFAULT_MAX_PIXELS, probeImage, renderImage, writeScaledPixels } from "./images";
import { MicroBatcher } from "./microBatcher";
import { ModelCache } from "./modelCache";

export type { ClassificationOutput, LabelProbability } from "./classificationOutput";

/** Tuning of a {@link Classifier}; every field has a default. */
export interface ClassifierOptions {
  /** Most images in one forward pass (default 16). */
  maxBatchSize?: number;
  /** Longest a decoded image waits for others to join its batch, ms (default 5). */
  maxQueueDelayMs?: number;
  /** Requests admitted and not yet answered before new ones get `RateLimitedError` (default 256). */
  maxQueueLength?: number;
  /** Bytes of model weights kept loaded, least recently used evicted first (default 512 MiB). */
  cacheBytes?: number;
  /** Images sharp decodes at once, alongside inference (default 4). */
  decodeConcurrency?: number;
  /** Decompression-bomb guard, width·height (default `DEFAULT_MAX_PIXELS`). */
  maxPixels?: number;
  /** false: every request runs alone in its own forward pass (the benchmark's baseline). Default true. */
  isBatchingEnabled?: boolean;
}

/** Counters since the classifier was created, and its current load. */
export interface ClassifierStats {
  /** Model forward passes run (one per batch). */
  forwardPasses: number;
  /** Images that went through a forward pass. */
  classifiedImages: number;
  largestBatch: number;
  /** Requests refused with `RateLimitedError` because the queue was full. */
  rejectedRequests: number;
  /** Requests admitted and not yet answered (decoding, queued or in a forward pass). */
  pendingRequests: number;
  cachedModels: number;
  cachedBytes: number;
  modelLoads: number;
  modelEvictions: number;
}

const MIB = 1024 * 1024;
const DEFAULTS: Required<ClassifierOptions> = {
  maxBatchSize: 16,
  maxQueueDelayMs: 5,
  maxQueueLength: 256,
  cacheBytes: 512 * MIB,
  decodeConcurrency: 4,
  maxPixels: DEFAULT_MAX_PIXELS,
  isBatchingEnabled: true,
};
/** Guess of one forward pass's duration before any has been timed, ms (for retry-after hints). */
const INITIAL_BATCH_MS = 100;
const MAX_RETRY_AFTER_MS = 60_000;

/** A checkpoint in memory with its own batch queue (a reloaded checkpoint gets a fresh one). */
interface ServedModel {
  checkpoint: LoadedCheckpoint;
  /** Decoded RGB bytes `[imageSize, imageSize, 3]` in, class probabilities `[classCount]` out. */
  batcher: MicroBatcher<Uint8Array, Float32Array>;
}

/** Bytes the model's weights occupy in memory (float32 unless stated otherwise). */
function weightBytes(model: tf.LayersModel): number {
  return model.weights.reduce((sum, weight) => {
    const elements = weight.shape.reduce<number>((product, side) => product * (side ?? 1), 1);
    return sum + elements * (weight.dtype === "float32" || weight.dtype === "int32" ? 4 : 1);
  }, 0);
}

function assertServablePreprocessing(checkpoint: LoadedCheckpoint, directory: string): void {
  const { preprocessing } = checkpoint.manifest;
  // Inference reuses evaluation's center crop; a checkpoint trained with another crop would be fed wrongly.
  if (preprocessing.centerCropFraction !== CROP_FRACTION || preprocessing.colorSpace !== "RGB") {
    throw new Error(
      `checkpoint ${directory} needs preprocessing ${JSON.stringify(preprocessing)}, which this server cannot apply`,
    );
  }
}

/**
 * The inference engine: classifies encoded images with checkpoints from disk. Checkpoints load on
 * first use into a byte-bounded LRU cache; images are validated (JPEG/PNG/WebP signature, header,
 * pixel count) before any pixel is decoded, decoded by sharp off the main thread while inference
 * runs, then micro-batched per model into one forward pass. Admission is bounded: past
 * `maxQueueLength` pending requests, `classify` throws `RateLimitedError` at once.
 *
 * Every tensor a request creates is disposed before it resolves or rejects; models are disposed on
 * eviction (after their in-flight requests) and by {@link close}.
 */
export class Classifier {
  private readonly options: Required<ClassifierOptions>;
  private readonly models: ModelCache<ServedModel>;
  private readonly decodeSlots: ConcurrencyLimit;
  private readonly inFlight = new Set<Promise<unknown>>();
  private isClosed = false;
  private batchMsAverage = INITIAL_BATCH_MS;
  private counters = { forwardPasses: 0, classifiedImages: 0, largestBatch: 0, rejectedRequests: 0 };

  constructor(options: ClassifierOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULTS, ...defined };
    for (const name of ["maxBatchSize", "maxQueueLength", "decodeConcurrency"] as const) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be ≥ 1, got ${value}`);
    }
    for (const name of ["maxQueueDelayMs", "cacheBytes", "maxPixels"] as const) {
      const value = this.options[name];
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
    }
    this.decodeSlots = new ConcurrencyLimit(this.options.decodeConcurrency);
    this.models = new ModelCache<ServedModel>({
      capacityBytes: this.options.cacheBytes,
      load: (directory) => this.loadModel(directory),
      dispose: (served) => served.checkpoint.model.dispose(),
    });
  }

  /** Whether requests for one model share forward passes (false: the one-at-a-time baseline). */
  get isBatchingEnabled(): boolean {
    return this.options.isBatchingEnabled;
  }

  /**
   * Classifies one encoded image with the checkpoint in `checkpointDir`, preprocessed exactly as
   * that run's evaluation (EXIF rotation, center crop, resize to the manifest's `imageSize`, /255).
   * Throws `InvalidImageError` (not a safe JPEG/PNG/WebP), `ValidationError` (topK),
   * `RateLimitedError` (queue full; `details.retryAfterMs`), or the checkpoint's load error.
   */
  async classify(checkpointDir: string, image: Buffer, topK: number): Promise<ClassificationOutput> {
    if (this.isClosed) throw new Error("the classifier is closed");
    validateTopK(topK);
    assertSupportedSignature(image);
    this.admit();
    const request = this.classifyAdmitted(path.resolve(checkpointDir), image, topK);
    this.inFlight.add(request);
    try {
      return await request;
    } finally {
      this.inFlight.delete(request);
    }
  }

  /** Drops a checkpoint from the cache (e.g. after it was rewritten); in-flight requests finish on it. */
  evict(checkpointDir: string): boolean {
    return this.models.evict(path.resolve(checkpointDir));
  }

  /** Whether the checkpoint is loaded. */
  isLoaded(checkpointDir: string): boolean {
    return this.models.has(path.resolve(checkpointDir));
  }

  /** Counters and current load. */
  stats(): ClassifierStats {
    return {
      ...this.counters,
      pendingRequests: this.inFlight.size,
      cachedModels: this.models.size,
      cachedBytes: this.models.bytes,
      modelLoads: this.models.loads,
      modelEvictions: this.models.evictions,
    };
  }

  /** Refuses new requests, waits for those in flight, then disposes every model. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.allSettled([...this.inFlight]);
    this.models.clear();
  }

  private admit(): void {
    const pending = this.inFlight.size;
    if (pending < this.options.maxQueueLength) return;
    this.counters.rejectedRequests++;
    const batchesAhead = Math.ceil(pending / (this.isBatchingEnabled ? this.options.maxBatchSize : 1));
    const retryAfterMs = Math.min(
      MAX_RETRY_AFTER_MS,
      Math.max(1, Math.ceil(batchesAhead * this.batchMsAverage)),
    );
    throw new RateLimitedError(
      `the inference queue is full (${pending} requests); retry in ${retryAfterMs} ms`,
      {
        retryAfterMs,
      },
    );
  }

  private async classifyAdmitted(
    directory: string,
    image: Buffer,
    topK: number,
  ): Promise<ClassificationOutput> {
    const lease = await this.models.acquire(directory);
    try {
      const { checkpoint, batcher } = lease.value;
      const ticket = batcher.expect();
      let pixels: Uint8Array;
      try {
        pixels = await this.decodeSlots.run(() => this.decode(image, checkpoint.manifest.imageSize));
      } catch (error) {
        ticket.cancel();
        throw error;
      }
      const probabilities = await ticket.submit(pixels);
      return toClassificationOutput(probabilities, checkpoint.manifest, topK);
    } finally {
      lease.release();
    }
  }

  /** Header check (format, pixel count) first, then the evaluation pipeline: RGB bytes `[s, s, 3]`. */
  private async decode(image: Buffer, imageSize: number): Promise<Uint8Array> {
    const { width, height } = await probeImage(image, this.options.maxPixels);
    return renderImage(image, evaluationPlan(width, height), imageSize, this.options.maxPixels);
  }

  private async loadModel(directory: string): Promise<{ value: ServedModel; bytes: number }> {
    const checkpoint = await loadCheckpoint(directory);
    try {
      assertServablePreprocessing(checkpoint, directory);
    } catch (error) {
      checkpoint.model.dispose();
      throw error;
    }
    const batcher = new MicroBatcher<Uint8Array, Float32Array>(
      this.isBatchingEnabled
        ? { maxBatchSize: this.options.maxBatchSize, maxQueueDelayMs: this.options.maxQueueDelayMs }
        : { maxBatchSize: 1, maxQueueDelayMs: 0 },
      (images) => this.forward(checkpoint, images),
    );
    return { value: { checkpoint, batcher }, bytes: weightBytes(checkpoint.model) };
  }

  /**
   * One forward pass: `images` N × RGB bytes `[s, s, 3]` → N × probabilities `[classCount]`.
   * Only the `[N, classCount]` output outlives the tidy, and it is disposed once read.
   */
  private async forward(checkpoint: LoadedCheckpoint, images: Uint8Array[]): Promise<Float32Array[]> {
    const { imageSize, labels } = checkpoint.manifest;
    const pixelsPerImage = imageSize * imageSize * 3;
    const batch = new Float32Array(images.length * pixelsPerImage);
    images.forEach((pixels, i) => writeScaledPixels(pixels, batch, i * pixelsPerImage));
    const startedAt = performance.now();
    const output = tf.tidy(
      () =>
        checkpoint.model.predict(tf.tensor4d(batch, [images.length, imageSize, imageSize, 3])) as tf.Tensor2D,
    );
    let probabilities: Float32Array;
    try {
      probabilities = (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
    this.recordBatch(images.length, performance.now() - startedAt);
    const classCount = labels.length;
    return images.map((_, i) => probabilities.subarray(i * classCount, (i + 1) * classCount));
  }

  private recordBatch(size: number, durationMs: number): void {
    this.counters.forwardPasses++;
    this.counters.classifiedImages += size;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, size);
    this.batchMsAverage = 0.8 * this.batchMsAverage + 0.2 * durationMs;
  }
}
