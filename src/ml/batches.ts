import { drawTrainingPlan, evaluationPlan } from "./augment";
import type { Augmentation } from "./hyperparameters";
import { DEFAULT_MAX_PIXELS, probeImage, renderImage, writeScaledPixels, type ImageSource } from "./images";
import { createRandom, deriveSeed } from "./random";

/** A logo's box in pixels of the displayed (EXIF-rotated) original image. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Class index of the logo in the box when it differs from the image's label. */
  label?: number;
}

/** One labelled example: an image file (or bytes), its class index and, where known, its logo boxes. */
export interface LabeledImage {
  source: ImageSource;
  label: number;
  /** Logo boxes; absent or empty when the dataset has none for this image. */
  boxes?: PixelBox[];
}

/** A batch ready for `tf.tensor4d(images, [size, imageSize, imageSize, 3])`. */
export interface ImageBatch {
  /** `[size, imageSize, imageSize, 3]` float32 in [0, 1], row-major. */
  images: Float32Array;
  /** `[size]` class indices. */
  labels: Int32Array;
  /** Indices into the item list, in batch order. */
  itemIndices: number[];
  size: number;
}

/** How one epoch's batches are drawn. */
export interface BatchOptions {
  imageSize: number;
  batchSize: number;
  /** Train: shuffle and augment with draws from `(seed, epoch)`. Eval: item order, center crop. */
  mode: "train" | "eval";
  augmentations?: readonly Augmentation[];
  seed?: number;
  /** Epoch (or augmented view) number; part of the seed, so a resumed run redraws the same batches. */
  epoch?: number;
  /** Images decoded concurrently (sharp runs them on libuv threads while the model computes). */
  concurrency?: number;
  /** Batches decoded ahead of the one being consumed. */
  prefetch?: number;
  maxPixels?: number;
}

/**
 * Yields `load(0) … load(count-1)` in order while keeping up to `depth` later loads in flight, so the
 * next batch decodes while the caller computes on the current one. Stopping early is safe: pending
 * loads finish in the background and their errors are ignored.
 */
export async function* prefetched<T>(
  count: number,
  load: (index: number) => Promise<T>,
  depth = 1,
): AsyncGenerator<T> {
  const pending: Array<Promise<T>> = [];
  const start = (index: number): void => {
    const promise = load(index);
    promise.catch(() => undefined); // observed here; the consumer sees the error when it awaits
    pending.push(promise);
  };
  let nextToStart = 0;
  while (nextToStart < Math.min(count, Math.max(1, depth))) start(nextToStart++);
  for (let index = 0; index < count; index++) {
    const value = await pending.shift()!;
    // Start the next load before handing this one over: it runs while the caller computes.
    if (nextToStart < count) start(nextToStart++);
    yield value;
  }
}

async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Item order of one epoch: a seeded shuffle for training, the given order for evaluation. */
export function epochOrder(count: number, options: Pick<BatchOptions, "mode" | "seed" | "epoch">): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (options.mode === "eval") return order;
  const random = createRandom(deriveSeed(options.seed ?? 0, "order", options.epoch ?? 0));
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Decodes and augments one item as a model input `[imageSize, imageSize, 3]` bytes. The training
 * draw depends only on `(seed, epoch, itemIndex)`, never on batch order or timing.
 */
export async function renderItem(
  item: LabeledImage,
  itemIndex: number,
  options: BatchOptions,
): Promise<Uint8Array> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { width, height } = await probeImage(item.source, maxPixels);
  const plan =
    options.mode === "train"
      ? drawTrainingPlan(
          width,
          height,
          options.augmentations ?? [],
          createRandom(deriveSeed(options.seed ?? 0, "augment", options.epoch ?? 0, itemIndex)),
        )
      : evaluationPlan(width, height);
  return renderImage(item.source, plan, options.imageSize, maxPixels);
}

/** The number of batches {@link imageBatches} yields for `itemCount` items (the last may be short). */
export function batchCount(itemCount: number, batchSize: number): number {
  return Math.ceil(itemCount / batchSize);
}

/** One epoch of batches over `items`, decoded `prefetch` batches ahead of the consumer. */
export function imageBatches(
  items: readonly LabeledImage[],
  options: BatchOptions,
): AsyncGenerator<ImageBatch> {
  const order = epochOrder(items.length, options);
  const { batchSize, imageSize } = options;
  const pixelsPerImage = imageSize * imageSize * 3;
  const loadBatch = async (batchIndex: number): Promise<ImageBatch> => {
    const itemIndices = order.slice(batchIndex * batchSize, (batchIndex + 1) * batchSize);
    const images = new Float32Array(itemIndices.length * pixelsPerImage);
    await mapWithConcurrency(itemIndices, options.concurrency ?? 4, async (itemIndex, position) => {
      writeScaledPixels(
        await renderItem(items[itemIndex], itemIndex, options),
        images,
        position * pixelsPerImage,
      );
    });
    const labels = Int32Array.from(itemIndices, (i) => items[i].label);
    return { images, labels, itemIndices, size: itemIndices.length };
  };
  return prefetched(batchCount(items.length, batchSize), loadBatch, options.prefetch ?? 1);
}
