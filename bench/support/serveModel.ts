import { readFile } from "node:fs/promises";
import path from "node:path";
import { readManifest } from "../../src/ml/checkpoint";
import { withDefaults } from "../../src/ml/hyperparameters";
import { NO_LOGO_LABEL } from "../../src/ml/noLogoThreshold";
import { train } from "../../src/ml/train";
import { splitItems, writeShapeDataset } from "../../src/ml/__tests__/fixtures/shapeImages";

/** Side of the served model's input, px (bench:train's MobileNetV2 size; 224 is for native backends). */
export const BENCH_IMAGE_SIZE = 128;
const CLASSES = 8;
const IMAGES_PER_CLASS = 20;
const HELD_OUT_PER_CLASS = 4;
/** Side of the generated photos, px (±20 % per image): decoding them is part of serving. */
const PHOTO_SIZE = 320;

/** The served model and the images every load phase sends. */
export interface BenchModel {
  checkpointDir: string;
  imageSize: number;
  labels: string[];
  weightsSha256: string;
  /** Bytes of `weights.bin`. */
  weightsBytes: number;
  /** Encoded held-out images (JPEG, PNG, WebP mixed). */
  images: Buffer[];
  valAccuracy: number;
  trainSeconds: number;
}

/**
 * Trains a MobileNetV2 head (nsfwjs backbone, head only, cached features) on generated shape
 * photos whose last class stands in for no-logo, and returns its best checkpoint with the held-out
 * images (validation + test) as the request set.
 */
export async function trainBenchModel(directory: string): Promise<BenchModel> {
  const startedAt = performance.now();
  const generated = await writeShapeDataset({
    directory: path.join(directory, "images"),
    classCount: CLASSES,
    imagesPerClass: IMAGES_PER_CLASS,
    seed: 11,
    size: PHOTO_SIZE,
  });
  const labels = [...generated.labels.slice(0, CLASSES - 1), NO_LOGO_LABEL];
  const {
    train: trainItems,
    validation,
    test,
  } = splitItems(generated.items, HELD_OUT_PER_CLASS, HELD_OUT_PER_CLASS);
  const result = await train({
    hyperparameters: withDefaults({
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "HEAD",
      imageSize: BENCH_IMAGE_SIZE,
      epochs: 15,
      batchSize: 16,
      optimizer: "ADAM",
      learningRate: 0.003,
      augmentations: [],
      seed: 1,
    }),
    data: { labels, train: trainItems, validation, test },
    checkpointDir: path.join(directory, "run"),
    cacheDir: path.join(directory, "cache"),
    datasetVersion: "bench-serve",
    featureViews: 1,
  });
  const checkpointDir = result.bestCheckpoint!;
  const manifest = await readManifest(checkpointDir);
  const images = await Promise.all([...validation, ...test].map((item) => readFile(item.source as string)));
  const weightsBytes = (await readFile(path.join(checkpointDir, "weights.bin"))).length;
  return {
    checkpointDir,
    imageSize: manifest.imageSize,
    labels,
    weightsSha256: manifest.weightsSha256,
    weightsBytes,
    images,
    valAccuracy: manifest.metrics.valAccuracy,
    trainSeconds: (performance.now() - startedAt) / 1000,
  };
}
