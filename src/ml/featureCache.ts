import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { imageBatches, type LabeledImage } from "./batches";
import type { Augmentation } from "./hyperparameters";

/** Everything that determines a set of backbone embeddings; equal keys share one cache entry. */
export interface FeatureCacheKey {
  /** Identifies the images and labels (e.g. the registry's dataset version id). */
  datasetVersion: string;
  split: string;
  /** Backbone weights and the taps pooled into the embedding. */
  backboneId: string;
  taps: string[];
  imageSize: number;
  /** Augmentations of the training views ([] for evaluation splits). */
  augmentations: Augmentation[];
  /** Augmented views per image (1 for evaluation splits, which use the center crop). */
  views: number;
  /** Seed of the augmentation draws. */
  seed: number;
}

/** Embeddings of every (view, image): `features` is `[views, itemCount, featureSize]` row-major. */
export interface CachedFeatures {
  features: Float32Array;
  labels: Int32Array;
  itemCount: number;
  featureSize: number;
  views: number;
  /** True when read from disk, false when computed by this call. */
  isFromCache: boolean;
}

const FEATURES_BIN = "features.bin";
const INDEX_JSON = "index.json";

/** Stable hex digest of a key (field order does not matter). */
export function featureCacheKeyHash(key: FeatureCacheKey): string {
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(key).sort(([a], [b]) => a.localeCompare(b))),
  );
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/** Digest of the items (paths or bytes) and labels, for callers without a registry version id. */
export function datasetVersionOf(items: readonly LabeledImage[]): string {
  const hash = createHash("sha256");
  for (const item of items) {
    hash.update(typeof item.source === "string" ? item.source : item.source);
    hash.update(`\u0000${item.label}\u0000`);
  }
  return hash.digest("hex").slice(0, 32);
}

/** Where a key's embeddings live under `cacheDir`. */
export function featureCachePath(cacheDir: string, key: FeatureCacheKey): string {
  return path.join(cacheDir, "features", featureCacheKeyHash(key));
}

/** Images the backbone embeds per forward pass unless told otherwise. */
export const EMBEDDING_BATCH_SIZE = 16;

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  imageSize: number;
  augmentations: readonly Augmentation[];
  views: number;
  seed: number;
  mode: "train" | "eval";
  batchSize?: number;
  /** Called after each batch with the number of images embedded so far (all views). */
  onProgress?: (imagesDone: number, imagesTotal: number) => void;
}

/**
 * Runs the frozen `backbone` (`[B, s, s, 3]` → `[B, D]`) over every image, `views` times with
 * independent augmentation draws in train mode (view v uses the draws of "epoch" v), once with the
 * center crop in eval mode. Returns `[views, items, D]` float32. No tensors outlive the call.
 */
export async function extractFeatures(
  backbone: tf.LayersModel,
  items: readonly LabeledImage[],
  options: ExtractOptions,
): Promise<{ features: Float32Array; featureSize: number }> {
  const featureSize = backbone.outputs[0].shape[1] as number;
  const { imageSize, views, mode } = options;
  const features = new Float32Array(views * items.length * featureSize);
  let imagesDone = 0;
  for (let view = 0; view < views; view++) {
    const batches = imageBatches(items, {
      imageSize,
      batchSize: options.batchSize ?? EMBEDDING_BATCH_SIZE,
      mode,
      augmentations: options.augmentations,
      seed: options.seed,
      epoch: view,
    });
    for await (const batch of batches) {
      const embedding = tf.tidy(() =>
        backbone.predict(tf.tensor4d(batch.images, [batch.size, imageSize, imageSize, 3])),
      ) as tf.Tensor2D;
      const values = await embedding.data();
      embedding.dispose();
      batch.itemIndices.forEach((itemIndex, row) => {
        const offset = (view * items.length + itemIndex) * featureSize;
        features.set(values.subarray(row * featureSize, (row + 1) * featureSize), offset);
      });
      imagesDone += batch.size;
      options.onProgress?.(imagesDone, views * items.length);
    }
  }
  return { features, featureSize };
}

async function readCached(directory: string, key: FeatureCacheKey): Promise<CachedFeatures | undefined> {
  try {
    const index = JSON.parse(await readFile(path.join(directory, INDEX_JSON), "utf8")) as {
      key: FeatureCacheKey;
      itemCount: number;
      featureSize: number;
      labels: number[];
    };
    if (featureCacheKeyHash(index.key) !== featureCacheKeyHash(key)) return undefined;
    const bytes = await readFile(path.join(directory, FEATURES_BIN));
    const expectedBytes = key.views * index.itemCount * index.featureSize * 4;
    if (bytes.byteLength !== expectedBytes) return undefined;
    const features = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    return {
      features,
      labels: Int32Array.from(index.labels),
      itemCount: index.itemCount,
      featureSize: index.featureSize,
      views: key.views,
      isFromCache: true,
    };
  } catch {
    return undefined;
  }
}

/**
 * The embeddings for `key`: read from `cacheDir` when an entry exists, else computed with
 * {@link extractFeatures} and stored (atomically: a crash leaves no partial entry).
 */
export async function cachedFeatures(
  cacheDir: string,
  key: FeatureCacheKey,
  backbone: tf.LayersModel,
  items: readonly LabeledImage[],
  onProgress?: ExtractOptions["onProgress"],
): Promise<CachedFeatures> {
  const directory = featureCachePath(cacheDir, key);
  const cached = await readCached(directory, key);
  if (cached !== undefined && cached.itemCount === items.length) return cached;
  const { features, featureSize } = await extractFeatures(backbone, items, {
    imageSize: key.imageSize,
    augmentations: key.augmentations,
    views: key.views,
    seed: key.seed,
    mode: key.augmentations.length > 0 || key.views > 1 ? "train" : "eval",
    onProgress,
  });
  const labels = Int32Array.from(items, (item) => item.label);
  const staging = `${directory}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(
    path.join(staging, FEATURES_BIN),
    new Uint8Array(features.buffer, features.byteOffset, features.byteLength),
  );
  await writeFile(
    path.join(staging, INDEX_JSON),
    JSON.stringify({ key, itemCount: items.length, featureSize, labels: Array.from(labels) }),
  );
  try {
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
  } catch (error) {
    // Another worker stored the same key first: its entry is equivalent, keep it and drop ours.
    await rm(staging, { recursive: true, force: true });
    if ((await readCached(directory, key)) === undefined) throw error;
  }
  return { features, labels, itemCount: items.length, featureSize, views: key.views, isFromCache: false };
}
