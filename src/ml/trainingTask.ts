import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../errors";
import { batchCount, epochOrder, imageBatches, type LabeledImage } from "./batches";
import {
  cachedFeatures,
  datasetVersionOf,
  EMBEDDING_BATCH_SIZE,
  type CachedFeatures,
  type FeatureCacheKey,
} from "./featureCache";
import { alexnetLite } from "./models/alexnetLite";
import {
  composeBackboneAndHead,
  loadMobileNetV2Backbone,
  MOBILENET_V2_BACKBONE_ID,
  MOBILENET_V2_FINAL_TAP,
  mobilenetV2Head,
} from "./models/mobilenetV2";
import { loadPretrainedWeights } from "./models/pretrainedWeights";
import { resnet18v2 } from "./models/resnet18v2";
import type { TrainOptions } from "./train";

/** Embedding progress over every split and view: images and backbone batches done of the totals. */
export interface EmbeddingProgress {
  imagesDone: number;
  imagesTotal: number;
  batch: number;
  batchCount: number;
  /** Images embedded per second (cache hits excluded). */
  imagesPerSecond: number;
}

/**
 * Counts embedding work across splits: a split read from the cache counts as done at once; one
 * being computed reports after each backbone batch.
 */
class EmbeddingCounter {
  /** Work of the splits already embedded (or read from the cache). */
  private before = { images: 0, batches: 0 };
  /** Images actually embedded so far (cache hits excluded): the throughput's numerator. */
  private computed = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly totals: { images: number; batches: number },
    private readonly report: ((progress: EmbeddingProgress) => void) | undefined,
  ) {}

  /** Runs one split's `embed` (`images` images in `batches` batches), reporting its per-batch progress. */
  async split<T>(
    images: number,
    batches: number,
    embed: (onProgress: (splitImagesDone: number) => void) => Promise<T>,
  ): Promise<T> {
    const { before } = this;
    const computedBefore = this.computed;
    let splitBatches = 0;
    const result = await embed((splitImagesDone) => {
      splitBatches++;
      this.computed = computedBefore + splitImagesDone;
      const seconds = (performance.now() - this.startedAt) / 1000;
      this.report?.({
        imagesDone: before.images + splitImagesDone,
        imagesTotal: this.totals.images,
        batch: before.batches + splitBatches,
        batchCount: this.totals.batches,
        imagesPerSecond: seconds > 0 ? this.computed / seconds : 0,
      });
    });
    this.before = { images: before.images + images, batches: before.batches + batches };
    return result;
  }
}

/** A batch of model inputs: images `[n, s, s, 3]` or cached features `[n, D]`. */
export interface ExampleBatch {
  inputs: Float32Array;
  labels: Int32Array;
  size: number;
}

/** What the loop trains and how it gets batches; hides the image vs cached-feature difference. */
export interface TrainingTask {
  model: tf.LayersModel;
  exampleShape: number[];
  trainBatches(epoch: number): AsyncIterable<ExampleBatch>;
  evalBatches(split: "validation" | "test"): AsyncIterable<ExampleBatch>;
  /** The model to checkpoint (for cached features: backbone + head); `release` frees what it added. */
  inferenceModel(): { model: tf.LayersModel; release: () => void };
  backbone?: { id: string; taps: string[] };
  dispose(): void;
}

// Eval inputs are identical every epoch (center crop): decode once, replay from memory.
function memoizedBatches(make: () => AsyncIterable<ExampleBatch>): () => AsyncIterable<ExampleBatch> {
  let stored: ExampleBatch[] | undefined;
  return () => ({
    async *[Symbol.asyncIterator]() {
      if (stored !== undefined) {
        yield* stored;
        return;
      }
      const collected: ExampleBatch[] = [];
      for await (const batch of make()) {
        collected.push(batch);
        yield batch;
      }
      stored = collected;
    },
  });
}

function imageTask(model: tf.LayersModel, options: TrainOptions): TrainingTask {
  const h = options.hyperparameters;
  const { imageSize, batchSize, augmentations, seed } = h;
  const toExamples = async function* (items: LabeledImage[], mode: "train" | "eval", epoch: number) {
    for await (const batch of imageBatches(items, {
      imageSize,
      batchSize,
      mode,
      augmentations,
      seed,
      epoch,
    })) {
      yield { inputs: batch.images, labels: batch.labels, size: batch.size };
    }
  };
  const validation = memoizedBatches(() => toExamples(options.data.validation, "eval", 0));
  const test = memoizedBatches(() => toExamples(options.data.test ?? [], "eval", 0));
  return {
    model,
    exampleShape: [imageSize, imageSize, 3],
    trainBatches: (epoch) => toExamples(options.data.train, "train", epoch),
    evalBatches: (split) => (split === "validation" ? validation() : test()),
    inferenceModel: () => ({ model, release: () => undefined }),
    dispose: () => model.dispose(),
  };
}

function featureBatches(
  cached: CachedFeatures,
  order: number[],
  view: number,
  batchSize: number,
): ExampleBatch[] {
  const { featureSize, itemCount, features, labels } = cached;
  const batches: ExampleBatch[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const inputs = new Float32Array(indices.length * featureSize);
    indices.forEach((item, row) => {
      const offset = (view * itemCount + item) * featureSize;
      inputs.set(features.subarray(offset, offset + featureSize), row * featureSize);
    });
    batches.push({ inputs, labels: Int32Array.from(indices, (i) => labels[i]), size: indices.length });
  }
  return batches;
}

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/**
 * Head-only MOBILENET_V2: embeddings come from the feature cache (computed once per key, a few
 * augmented views per training image); the loop trains a separate Dense head on them, epoch e
 * reading view (e-1) mod views.
 */
async function cachedFeatureTask(
  options: TrainOptions,
  resumed: tf.LayersModel | undefined,
  onEmbedding: ((progress: EmbeddingProgress) => void) | undefined,
): Promise<TrainingTask> {
  const h = options.hyperparameters;
  if (options.cacheDir === undefined)
    throw new ValidationError("MOBILENET_V2 needs a cacheDir", { field: "cacheDir" });
  const taps = options.mobilenetTaps ?? [MOBILENET_V2_FINAL_TAP];
  const backbone = await loadMobileNetV2Backbone({
    cacheDir: options.cacheDir,
    imageSize: h.imageSize,
    taps,
  });
  const views = options.featureViews ?? 3;
  const common = {
    datasetVersion:
      options.datasetVersion ??
      datasetVersionOf([...options.data.train, ...options.data.validation, ...(options.data.test ?? [])]),
    backboneId: MOBILENET_V2_BACKBONE_ID,
    taps,
    imageSize: h.imageSize,
  };
  const cacheDir = options.cacheDir;
  const splits = [
    { items: options.data.train, views },
    { items: options.data.validation, views: 1 },
    { items: options.data.test ?? [], views: 1 },
  ];
  const counter = new EmbeddingCounter(
    {
      images: splits.reduce((sum, s) => sum + s.items.length * s.views, 0),
      batches: splits.reduce((sum, s) => sum + batchCount(s.items.length, EMBEDDING_BATCH_SIZE) * s.views, 0),
    },
    onEmbedding,
  );
  const embed = (key: FeatureCacheKey, items: LabeledImage[]): Promise<CachedFeatures> =>
    counter.split(
      items.length * key.views,
      batchCount(items.length, EMBEDDING_BATCH_SIZE) * key.views,
      (onProgress) => cachedFeatures(cacheDir, key, backbone, items, onProgress),
    );
  const train = await embed(
    { ...common, split: "train", augmentations: h.augmentations, views, seed: h.seed },
    options.data.train,
  );
  const evalKey = { ...common, augmentations: [], views: 1, seed: 0 };
  const validation = await embed({ ...evalKey, split: "validation" }, options.data.validation);
  const test = options.data.test ? await embed({ ...evalKey, split: "test" }, options.data.test) : undefined;
  const head = mobilenetV2Head(train.featureSize, options.data.labels.length, h.seed);
  if (resumed !== undefined) head.getLayer("head").setWeights(resumed.getLayer("head").getWeights());
  const allInOrder = (cached: CachedFeatures) =>
    featureBatches(
      cached,
      Array.from({ length: cached.itemCount }, (_, i) => i),
      0,
      h.batchSize,
    );
  return {
    model: head,
    exampleShape: [train.featureSize],
    trainBatches: (epoch) =>
      asAsync(
        featureBatches(
          train,
          epochOrder(train.itemCount, { mode: "train", seed: h.seed, epoch }),
          (epoch - 1) % views,
          h.batchSize,
        ),
      ),
    evalBatches: (split) =>
      asAsync(split === "validation" ? allInOrder(validation) : test ? allInOrder(test) : []),
    inferenceModel: () => composeBackboneAndHead(backbone, head),
    backbone: { id: MOBILENET_V2_BACKBONE_ID, taps },
    dispose: () => {
      head.dispose();
      backbone.dispose();
    },
  };
}

/** Builds the model (fresh, pretrained or resumed) and its batch sources for a run. */
export async function buildTask(
  options: TrainOptions,
  resumed: tf.LayersModel | undefined,
  onEmbedding?: (progress: EmbeddingProgress) => void,
): Promise<TrainingTask> {
  const h = options.hyperparameters;
  const modelOptions = { imageSize: h.imageSize, classCount: options.data.labels.length, seed: h.seed };
  if (h.architecture === "MOBILENET_V2") return cachedFeatureTask(options, resumed, onEmbedding);
  if (resumed !== undefined) return imageTask(resumed, options);
  const model = h.architecture === "ALEXNET_LITE" ? alexnetLite(modelOptions) : resnet18v2(modelOptions);
  if (h.pretrained) {
    if (options.pretrainedWeights === undefined) {
      model.dispose();
      throw new ValidationError("pretrained RESNET18_V2 needs a pretrainedWeights path or URL", {
        field: "pretrained",
      });
    }
    await loadPretrainedWeights(model, options.pretrainedWeights);
  }
  return imageTask(model, options);
}
