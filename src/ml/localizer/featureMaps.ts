import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { prefetched, type LabeledImage } from "../batches";
import { featureCachePath, featureCacheKeyHash, type FeatureCacheKey } from "../featureCache";
import { DEFAULT_MAX_PIXELS, renderFullView, writeScaledPixels } from "../images";
import { gridSizeOf, RELU6_MAX, type SpatialBackbone } from "../models/graphBackbone";

/**
 * How a map's values are stored: `relu6-uint8` one byte each (v ≈ byte · RELU6_MAX / 255, for
 * ReLU6 taps), `float32` four bytes each (for unbounded taps such as a residual block's output).
 */
export type MapEncoding = "relu6-uint8" | "float32";

/** Bytes one value takes in `encoding`. */
export function bytesPerValue(encoding: MapEncoding | undefined): number {
  return encoding === "float32" ? 4 : 1;
}

/**
 * Spatial feature maps of a list of images, kept outside the wasm heap: `maps` is
 * `[itemCount, grid, grid, channels]` row-major, in `encoding` (absent: `relu6-uint8`).
 */
export interface FeatureMaps {
  maps: Uint8Array;
  encoding?: MapEncoding;
  itemCount: number;
  grid: number;
  channels: number;
  /** Displayed size of each original image (boxes are in these pixels). */
  widths: Int32Array;
  heights: Int32Array;
  /** True when read from disk. */
  isFromCache: boolean;
}

/** Bytes of one image's map. */
export function mapBytesOf(maps: Pick<FeatureMaps, "grid" | "channels" | "encoding">): number {
  return maps.grid * maps.grid * maps.channels * bytesPerValue(maps.encoding);
}

/** The values of images `start … start + count − 1` of `float32` maps (a view, not a copy). */
export function floatValuesOf(maps: FeatureMaps, start: number, count: number): Float32Array {
  if (maps.encoding !== "float32") throw new Error("floatValuesOf needs float32 maps");
  const perImage = maps.grid * maps.grid * maps.channels;
  return new Float32Array(maps.maps.buffer, maps.maps.byteOffset + start * perImage * 4, count * perImage);
}

/** Quantises ReLU6 activations to bytes (clamped to [0, 6], rounded): `target[offset + i]`. */
export function quantizeRelu6(values: ArrayLike<number>, target: Uint8Array, offset: number): void {
  const scale = 255 / RELU6_MAX;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * scale;
    target[offset + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
}

/** The activation a quantised byte stands for. */
export function dequantizeRelu6(byte: number): number {
  return (byte * RELU6_MAX) / 255;
}

/** Images the backbone maps per forward pass. */
export const FEATURE_MAP_BATCH_SIZE = 8;

/** Options of {@link extractFeatureMaps}. */
export interface FeatureMapOptions {
  imageSize: number;
  batchSize?: number;
  maxPixels?: number;
  /** Called after each batch with the images mapped so far. */
  onProgress?: (imagesDone: number, imagesTotal: number) => void;
  /** Default `relu6-uint8`. */
  encoding?: MapEncoding;
}

/**
 * Runs the frozen backbone over the whole-image view of every item (`renderFullView`), one batch
 * at a time inside `tf.tidy`, and quantises each map into one byte array. No tensor outlives the call.
 */
export async function extractFeatureMaps(
  backbone: SpatialBackbone,
  items: readonly LabeledImage[],
  options: FeatureMapOptions,
): Promise<FeatureMaps> {
  const { imageSize } = options;
  const batchSize = options.batchSize ?? FEATURE_MAP_BATCH_SIZE;
  const grid = gridSizeOf(imageSize, backbone.stride);
  const channels = backbone.channels;
  const perImage = grid * grid * channels;
  const encoding = options.encoding ?? "relu6-uint8";
  const maps = new Uint8Array(items.length * perImage * bytesPerValue(encoding));
  const floats = encoding === "float32" ? new Float32Array(maps.buffer) : undefined;
  const widths = new Int32Array(items.length);
  const heights = new Int32Array(items.length);
  const pixelsPerImage = imageSize * imageSize * 3;
  const batches = Math.ceil(items.length / batchSize);
  const load = async (batchIndex: number) => {
    const start = batchIndex * batchSize;
    const indices = Array.from({ length: Math.min(batchSize, items.length - start) }, (_, i) => start + i);
    const images = new Float32Array(indices.length * pixelsPerImage);
    await Promise.all(
      indices.map(async (itemIndex, row) => {
        const view = await renderFullView(
          items[itemIndex].source,
          imageSize,
          options.maxPixels ?? DEFAULT_MAX_PIXELS,
        );
        widths[itemIndex] = view.width;
        heights[itemIndex] = view.height;
        writeScaledPixels(view.pixels, images, row * pixelsPerImage);
      }),
    );
    return { indices, images };
  };
  let done = 0;
  for await (const batch of prefetched(batches, load, 1)) {
    const map = tf.tidy(() =>
      backbone.featureMap(tf.tensor4d(batch.images, [batch.indices.length, imageSize, imageSize, 3])),
    );
    if (map.shape[1] !== grid || map.shape[3] !== channels) {
      map.dispose();
      throw new Error(`backbone map ${map.shape.join("×")}, expected ${grid}×${grid}×${channels}`);
    }
    const values = await map.data();
    map.dispose();
    if (floats !== undefined) floats.set(values, batch.indices[0] * perImage);
    else quantizeRelu6(values, maps, batch.indices[0] * perImage);
    done += batch.indices.length;
    options.onProgress?.(done, items.length);
  }
  return { maps, encoding, itemCount: items.length, grid, channels, widths, heights, isFromCache: false };
}

const MAPS_BIN = "maps.bin";
/** Bytes per read or write call: `readFile`/`writeFile` refuse files over 2 GiB. */
const IO_CHUNK_BYTES = 1 << 30;

/** Reads a whole file of any size into one byte array, a chunk at a time. */
async function readLargeFile(file: string): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size;) {
      const { bytesRead } = await handle.read(bytes, offset, Math.min(IO_CHUNK_BYTES, size - offset), offset);
      if (bytesRead === 0) throw new Error(`${file} ended at byte ${offset} of ${size}`);
      offset += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Writes one byte array of any size to a new file, a chunk at a time. */
async function writeLargeFile(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, "w");
  try {
    for (let offset = 0; offset < bytes.length;) {
      const { bytesWritten } = await handle.write(
        bytes,
        offset,
        Math.min(IO_CHUNK_BYTES, bytes.length - offset),
        offset,
      );
      offset += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}
const INDEX_JSON = "index.json";

interface MapIndex {
  key: FeatureCacheKey;
  encoding?: MapEncoding;
  itemCount: number;
  grid: number;
  channels: number;
  widths: number[];
  heights: number[];
}

async function readCachedMaps(directory: string, key: FeatureCacheKey): Promise<FeatureMaps | undefined> {
  try {
    const index = JSON.parse(await readFile(path.join(directory, INDEX_JSON), "utf8")) as MapIndex;
    if (featureCacheKeyHash(index.key) !== featureCacheKeyHash(key)) return undefined;
    const bytes = await readLargeFile(path.join(directory, MAPS_BIN));
    const valueBytes = bytesPerValue(index.encoding);
    if (bytes.byteLength !== index.itemCount * index.grid * index.grid * index.channels * valueBytes)
      return undefined;
    return {
      maps: bytes,
      encoding: index.encoding ?? "relu6-uint8",
      itemCount: index.itemCount,
      grid: index.grid,
      channels: index.channels,
      widths: Int32Array.from(index.widths),
      heights: Int32Array.from(index.heights),
      isFromCache: true,
    };
  } catch {
    return undefined;
  }
}

/**
 * The feature maps for `key` (dataset version, split, backbone, tap, size): read from the feature
 * cache when stored in `encoding`, else extracted and stored atomically (a crash leaves no partial entry).
 */
export async function cachedFeatureMaps(
  cacheDir: string,
  key: FeatureCacheKey,
  backbone: SpatialBackbone,
  items: readonly LabeledImage[],
  onProgress?: FeatureMapOptions["onProgress"],
  encoding: MapEncoding = "relu6-uint8",
): Promise<FeatureMaps> {
  const directory = featureCachePath(cacheDir, key);
  const cached = await readCachedMaps(directory, key);
  if (cached !== undefined && cached.itemCount === items.length && cached.encoding === encoding)
    return cached;
  const extracted = await extractFeatureMaps(backbone, items, {
    imageSize: key.imageSize,
    onProgress,
    encoding,
  });
  const staging = `${directory}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeLargeFile(path.join(staging, MAPS_BIN), extracted.maps);
  const index: MapIndex = {
    key,
    encoding,
    itemCount: extracted.itemCount,
    grid: extracted.grid,
    channels: extracted.channels,
    widths: Array.from(extracted.widths),
    heights: Array.from(extracted.heights),
  };
  await writeFile(path.join(staging, INDEX_JSON), JSON.stringify(index));
  try {
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if ((await readCachedMaps(directory, key)) === undefined) throw error;
  }
  return extracted;
}
