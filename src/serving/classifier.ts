import path from "node:path";
import type { MlBackendPreference } from "../config";
import { InvalidImageError, RateLimitedError, ValidationError } from "../errors";
import { CROP_FRACTION } from "../ml/augment";
import type { CheckpointManifest } from "../ml/checkpoint";
import {
  boxOfOutput,
  outputWidthOf,
  toClassificationOutput,
  validateTopK,
  type ClassificationOutput,
} from "../ml/classificationOutput";
import { ConcurrencyLimit } from "../ml/concurrencyLimit";
import { assertSupportedSignature } from "../ml/imageSignature";
import { DEFAULT_MAX_PIXELS, renderEvaluationView, renderFullView, writeScaledPixels } from "../ml/images";
import { InProcessInference, type InferenceEngine, type ModelHandle } from "../ml/inferenceEngine";
import { InferencePool } from "../ml/inferencePool";
import { InferenceThread } from "../ml/inferenceThread";
import { MicroBatcher } from "../ml/microBatcher";
import { ModelCache } from "../ml/modelCache";

export type { ClassificationOutput, LabelProbability } from "../ml/classificationOutput";

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
  /**
   * Images sharp decodes at once, alongside inference (default `maxBatchSize`, so a full batch can
   * be decoded while the previous one runs).
   */
  decodeConcurrency?: number;
  /** Decompression-bomb guard, width·height (default `DEFAULT_MAX_PIXELS`). */
  maxPixels?: number;
  /** false: every request runs alone in its own forward pass (the benchmark's baseline). Default true. */
  isBatchingEnabled?: boolean;
  /**
   * true: forward passes run in a worker thread (src/ml/inferenceThread.ts), so they do not block
   * the event loop and, on wasm, use a second core; needs the build (`npm run build`). false: in
   * the calling thread. Default false; `serve` sets it from `LOGOLAB_SERVE_INFERENCE_THREAD`.
   */
  isInferenceThreadEnabled?: boolean;
  /** Backend preference of the inference thread: the process's `LOGOLAB_ML_BACKEND` (default `auto`). */
  mlBackend?: MlBackendPreference;
  /**
   * Inference threads (with `isInferenceThreadEnabled`; default 1): each holds every served model
   * and the micro-batcher hands each batch to the least busy one, so on wasm, where one forward
   * pass uses one core, serving uses as many cores. `serve` sets it from `LOGOLAB_SERVE_THREADS`.
   */
  inferenceThreads?: number;
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
  /**
   * `tf.memory().numTensors` in the threads that run the forward passes: this one, or the inference
   * threads summed, each as of its latest reply (every reply carries it). Constant across requests unless a leak.
   */
  inferenceTensors: number;
}

/** How a `classify` call ended. */
export type ClassifyOutcome = "ok" | "rejected" | "invalid_image" | "bad_input" | "error";

/** Listens to the engine's work (metrics); every method is optional and must not throw. */
export interface ClassifierObserver {
  /** A `classify` call ended, `durationMs` after it was called. */
  onClassified?(outcome: ClassifyOutcome, durationMs: number): void;
  /** A forward pass of `batchSize` images ran in `durationMs`. */
  onForwardPass?(batchSize: number, durationMs: number): void;
}

/** The outcome label of an error `classify` threw. */
export function classifyOutcomeOf(error: unknown): ClassifyOutcome {
  if (error instanceof RateLimitedError) return "rejected";
  if (error instanceof InvalidImageError) return "invalid_image";
  if (error instanceof ValidationError) return "bad_input";
  return "error";
}

const MIB = 1024 * 1024;
const DEFAULTS: Omit<Required<ClassifierOptions>, "decodeConcurrency"> = {
  maxBatchSize: 16,
  maxQueueDelayMs: 5,
  maxQueueLength: 256,
  cacheBytes: 512 * MIB,
  maxPixels: DEFAULT_MAX_PIXELS,
  isBatchingEnabled: true,
  isInferenceThreadEnabled: false,
  mlBackend: "auto",
  inferenceThreads: 1,
};
/** Guess of one forward pass's duration before any has been timed, ms (for retry-after hints). */
const INITIAL_BATCH_MS = 100;
const MAX_RETRY_AFTER_MS = 60_000;

/** A checkpoint loaded by the engine with its own batch queue (a reloaded checkpoint gets a fresh one). */
interface ServedModel {
  model: ModelHandle;
  manifest: CheckpointManifest;
  /** Decoded RGB bytes `[imageSize, imageSize, 3]` in, the engine's output row (`outputWidthOf`) out. */
  batcher: MicroBatcher<Uint8Array, Float32Array>;
}

/** A decoded image: the model's input bytes and the displayed size of the original. */
interface DecodedImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

function assertServablePreprocessing(manifest: CheckpointManifest, directory: string): void {
  const { preprocessing } = manifest;
  // Inference reuses evaluation's center crop (LOCALIZER: the whole image); a checkpoint trained
  // with another crop would be fed wrongly.
  const expectedCrop = manifest.architecture === "LOCALIZER" ? 1 : CROP_FRACTION;
  if (preprocessing.centerCropFraction !== expectedCrop || preprocessing.colorSpace !== "RGB") {
    throw new Error(
      `checkpoint ${directory} needs preprocessing ${JSON.stringify(preprocessing)}, which this server cannot apply`,
    );
  }
}

/**
 * The inference engine: classifies encoded images with checkpoints from disk. Checkpoints load on
 * first use into a byte-bounded LRU cache; images are validated (JPEG/PNG/WebP signature, header,
 * pixel count) before any pixel is decoded, decoded by sharp off the main thread while inference
 * runs, then micro-batched per model into one forward pass, which runs in the calling thread or,
 * with `isInferenceThreadEnabled`, in an inference worker thread. Admission is bounded: past
 * `maxQueueLength` pending requests, `classify` throws `RateLimitedError` at once.
 *
 * Every tensor a request creates is disposed before it resolves or rejects; models are disposed on
 * eviction (after their in-flight requests) and by {@link close}.
 */
export class Classifier {
  private readonly options: Required<ClassifierOptions>;
  private readonly engine: InferenceEngine;
  private readonly models: ModelCache<ServedModel>;
  private readonly decodeSlots: ConcurrencyLimit;
  private readonly inFlight = new Set<Promise<unknown>>();
  private isClosed = false;
  private batchMsAverage = INITIAL_BATCH_MS;
  private counters = { forwardPasses: 0, classifiedImages: 0, largestBatch: 0, rejectedRequests: 0 };
  private observers: ClassifierObserver[] = [];

  constructor(options: ClassifierOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    const merged = { ...DEFAULTS, ...defined };
    this.options = { decodeConcurrency: merged.maxBatchSize, ...merged };
    for (const name of ["maxBatchSize", "maxQueueLength", "decodeConcurrency", "inferenceThreads"] as const) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be ≥ 1, got ${value}`);
    }
    for (const name of ["maxQueueDelayMs", "cacheBytes", "maxPixels"] as const) {
      const value = this.options[name];
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
    }
    this.decodeSlots = new ConcurrencyLimit(this.options.decodeConcurrency);
    this.engine = this.createEngine();
    this.models = new ModelCache<ServedModel>({
      capacityBytes: this.options.cacheBytes,
      load: (directory) => this.loadModel(directory),
      dispose: (served) => this.engine.dispose(served.model),
    });
  }

  /** Threads that run forward passes at once (1 in the calling thread or one inference thread). */
  get inferenceThreads(): number {
    return this.options.isInferenceThreadEnabled ? this.options.inferenceThreads : 1;
  }

  /** Whether forward passes run in the inference worker thread (false: in the calling thread). */
  get isInferenceThreadEnabled(): boolean {
    return this.options.isInferenceThreadEnabled;
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
    const startedAt = performance.now();
    try {
      const output = await this.classifyChecked(checkpointDir, image, topK);
      this.notify((observer) => observer.onClassified?.("ok", performance.now() - startedAt));
      return output;
    } catch (error) {
      const outcome = classifyOutcomeOf(error);
      this.notify((observer) => observer.onClassified?.(outcome, performance.now() - startedAt));
      throw error;
    }
  }

  /** Adds a listener of requests and forward passes. */
  observe(observer: ClassifierObserver): void {
    this.observers.push(observer);
  }

  private notify(event: (observer: ClassifierObserver) => void): void {
    for (const observer of this.observers) {
      try {
        event(observer);
      } catch {
        // A listener's failure must not fail a request.
      }
    }
  }

  private async classifyChecked(
    checkpointDir: string,
    image: Buffer,
    topK: number,
  ): Promise<ClassificationOutput> {
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
      inferenceTensors: this.engine.numTensors,
    };
  }

  private createEngine(): InferenceEngine {
    const { isInferenceThreadEnabled, inferenceThreads, mlBackend } = this.options;
    if (!isInferenceThreadEnabled) return new InProcessInference();
    return inferenceThreads > 1
      ? new InferencePool(inferenceThreads, { mlBackend })
      : new InferenceThread({ mlBackend });
  }

  /** Refuses new requests, waits for those in flight, then disposes every model and stops the engine. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.allSettled([...this.inFlight]);
    this.models.clear();
    await this.engine.close();
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
      const { manifest, batcher } = lease.value;
      const ticket = batcher.expect();
      let decoded: DecodedImage;
      try {
        decoded = await this.decodeSlots.run(() => this.decode(image, manifest));
      } catch (error) {
        ticket.cancel();
        throw error;
      }
      const row = await ticket.submit(decoded.pixels);
      const box = boxOfOutput(row, manifest, decoded.width, decoded.height);
      return toClassificationOutput(row.subarray(0, manifest.labels.length), manifest, topK, box);
    } finally {
      lease.release();
    }
  }

  /**
   * Header check (format, pixel count) first, then the evaluation pipeline: RGB bytes `[s, s, 3]`
   * (LOCALIZER: the whole image, so its box maps back to the original's pixels).
   */
  private async decode(image: Buffer, manifest: CheckpointManifest): Promise<DecodedImage> {
    if (manifest.architecture === "LOCALIZER")
      return renderFullView(image, manifest.imageSize, this.options.maxPixels);
    const pixels = await renderEvaluationView(image, manifest.imageSize, this.options.maxPixels);
    return { pixels, width: 0, height: 0 };
  }

  /** Loads a checkpoint in the engine; its byte size for the cache is what the engine reports. */
  private async loadModel(directory: string): Promise<{ value: ServedModel; bytes: number }> {
    const { model, manifest, weightBytes } = await this.engine.load(directory);
    try {
      assertServablePreprocessing(manifest, directory);
    } catch (error) {
      this.engine.dispose(model);
      throw error;
    }
    const served: ServedModel = {
      model,
      manifest,
      batcher: new MicroBatcher<Uint8Array, Float32Array>(
        this.isBatchingEnabled
          ? {
              maxBatchSize: this.options.maxBatchSize,
              maxQueueDelayMs: this.options.maxQueueDelayMs,
              maxConcurrentBatches: this.inferenceThreads,
            }
          : { maxBatchSize: 1, maxQueueDelayMs: 0, maxConcurrentBatches: this.inferenceThreads },
        (images) => this.forward(served, images),
      ),
    };
    return { value: served, bytes: weightBytes };
  }

  /**
   * One forward pass in the engine: `images` N × RGB bytes `[s, s, 3]` → N × probabilities
   * `[classCount]` (scaled to [0, 1] into one `[N, s, s, 3]` float32 batch, handed over to the engine).
   */
  private async forward(served: ServedModel, images: Uint8Array[]): Promise<Float32Array[]> {
    const { imageSize } = served.manifest;
    const pixelsPerImage = imageSize * imageSize * 3;
    const batch = new Float32Array(images.length * pixelsPerImage);
    images.forEach((pixels, i) => writeScaledPixels(pixels, batch, i * pixelsPerImage));
    const startedAt = performance.now();
    const probabilities = await this.engine.predict(served.model, batch, images.length);
    this.recordBatch(images.length, performance.now() - startedAt);
    const width = outputWidthOf(served.manifest);
    return images.map((_, i) => probabilities.subarray(i * width, (i + 1) * width));
  }

  private recordBatch(size: number, durationMs: number): void {
    this.counters.forwardPasses++;
    this.counters.classifiedImages += size;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, size);
    this.batchMsAverage = 0.8 * this.batchMsAverage + 0.2 * durationMs;
    this.notify((observer) => observer.onForwardPass?.(size, durationMs));
  }
}
