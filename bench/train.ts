/**
 * bench:train — training throughput of LogoLab's ML core on this machine.
 *
 * One run, one synthetic 1,820-image training set (13 shape/colour classes, + 260 validation images):
 *   1. AlexNet-lite, 96 px, batch 40, SGD: one full epoch on wasm (with LogoLab's Conv2DBackpropFilter
 *      kernel; stock wasm cannot train conv layers at all) vs a few batches on pure-JS cpu, extrapolated.
 *   2. MobileNetV2 (nsfwjs weights) head-only fine-tune, 128 px: epoch time when the backbone runs on
 *      every image every epoch (a few batches, extrapolated) vs on cached features (full epochs).
 * Last line: `bench:train wasm_vs_cpu=<ratio> cached_vs_uncached=<ratio>`.
 *
 * Run: npx tsc -p bench/train.tsconfig.json && node dist/bench-train/bench/train.js
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/ml/backend";
import { imageBatches, type LabeledImage } from "../src/ml/batches";
import { cachedFeatures } from "../src/ml/featureCache";
import { withDefaults, type Hyperparameters } from "../src/ml/hyperparameters";
import {
  loadMobileNetV2Backbone,
  MOBILENET_V2_BACKBONE_ID,
  mobilenetV2Head,
} from "../src/ml/models/mobilenetV2";
import { createOptimizer, disposeOptimizer } from "../src/ml/optimizers";
import { train, trainStep, type TrainingData } from "../src/ml/train";
import { splitItems, writeShapeDataset } from "../src/ml/__tests__/fixtures/shapeImages";

const TRAIN_IMAGES = 1820;
const CLASSES = 13;
const VALIDATION_PER_CLASS = 20;
const ALEXNET_SIZE = 96;
const MOBILENET_SIZE = 128;
const CPU_BATCH = 4;
const CPU_TIMED_BATCHES = 2;
const UNCACHED_TIMED_BATCHES = 6;

interface Row {
  work: string;
  backend: string;
  imagesPerSecond: number;
  epochSeconds: number;
  basis: string;
}

function log(message: string): void {
  process.stderr.write(`[bench:train] ${message}\n`);
}

/** Seconds per image over the batches after the first (which includes warm-up), from onBatch times. */
async function timedTrainingBatches(
  hyperparameters: Hyperparameters,
  data: TrainingData,
  directory: string,
  timedBatches: number,
): Promise<number> {
  const stamps: number[] = [];
  let images = 0;
  await train({
    hyperparameters: { ...hyperparameters, epochs: 1 },
    data,
    checkpointDir: directory,
    onBatch: (progress) => {
      stamps.push(performance.now());
      if (stamps.length > 1) images += progress.imagesDone / progress.batch;
    },
    shouldStop: () => stamps.length > timedBatches,
  });
  return images / ((stamps[stamps.length - 1] - stamps[0]) / 1000);
}

async function alexnetRows(data: TrainingData, directory: string): Promise<Row[]> {
  const hyperparameters = withDefaults({
    architecture: "ALEXNET_LITE",
    imageSize: ALEXNET_SIZE,
    epochs: 1,
    seed: 1,
  });
  await selectBackend("wasm");
  log("AlexNet-lite: one full epoch on wasm …");
  const result = await train({ hyperparameters, data, checkpointDir: path.join(directory, "alexnet-wasm") });
  const epoch = result.epochs[0];
  const wasm: Row = {
    work: `AlexNet-lite training, ${ALEXNET_SIZE} px`,
    backend: "wasm (SIMD) + Conv2DBackpropFilter kernel",
    imagesPerSecond: epoch.imagesPerSecond,
    epochSeconds: TRAIN_IMAGES / epoch.imagesPerSecond,
    basis: `1 full epoch, batch 40 (val acc ${(epoch.valAccuracy * 100).toFixed(0)} %)`,
  };
  await selectBackend("cpu");
  log(`AlexNet-lite: ${CPU_TIMED_BATCHES + 1} batches of ${CPU_BATCH} on pure-JS cpu …`);
  const cpuImagesPerSecond = await timedTrainingBatches(
    { ...hyperparameters, batchSize: CPU_BATCH },
    { ...data, train: data.train.slice(0, CPU_BATCH * (CPU_TIMED_BATCHES + 2)) },
    path.join(directory, "alexnet-cpu"),
    CPU_TIMED_BATCHES,
  );
  await selectBackend("wasm");
  const cpu: Row = {
    work: wasm.work,
    backend: "cpu (pure JS)",
    imagesPerSecond: cpuImagesPerSecond,
    epochSeconds: TRAIN_IMAGES / cpuImagesPerSecond,
    basis: `${CPU_TIMED_BATCHES} batches of ${CPU_BATCH}, extrapolated`,
  };
  return [wasm, cpu];
}

/** Head training where every batch is decoded, augmented and run through the backbone again. */
async function uncachedImagesPerSecond(
  backbone: tf.LayersModel,
  items: LabeledImage[],
  classCount: number,
): Promise<number> {
  const head = mobilenetV2Head(backbone.outputs[0].shape[1] as number, classCount, 1);
  const optimizer = createOptimizer("SGD", 0.01);
  const variables = head.trainableWeights.map((w) => w.read() as tf.Variable);
  const weights = tf.ones([classCount]) as tf.Tensor1D;
  const batches = imageBatches(items.slice(0, 40 * (UNCACHED_TIMED_BATCHES + 1)), {
    imageSize: MOBILENET_SIZE,
    batchSize: 40,
    mode: "train",
    augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
    seed: 1,
    epoch: 1,
  });
  let started = 0;
  let images = 0;
  for await (const batch of batches) {
    const { loss, correct } = tf.tidy(() => {
      const features = backbone.predict(
        tf.tensor4d(batch.images, [batch.size, MOBILENET_SIZE, MOBILENET_SIZE, 3]),
      ) as tf.Tensor;
      return trainStep(
        head,
        optimizer,
        variables,
        features,
        tf.tensor1d(batch.labels, "int32"),
        weights,
        0.001,
      );
    });
    await loss.data();
    tf.dispose([loss, correct]);
    if (started === 0) started = performance.now();
    else images += batch.size;
  }
  const seconds = (performance.now() - started) / 1000;
  tf.dispose(weights);
  disposeOptimizer(optimizer);
  head.dispose();
  return images / seconds;
}

async function mobilenetRows(data: TrainingData, directory: string): Promise<{ rows: Row[]; ratio: number }> {
  await selectBackend("wasm");
  const cacheDir = path.join(directory, "cache");
  const backbone = await loadMobileNetV2Backbone({ cacheDir, imageSize: MOBILENET_SIZE });
  log(`MobileNetV2 head: ${UNCACHED_TIMED_BATCHES + 1} batches with the backbone in the loop …`);
  const uncached = await uncachedImagesPerSecond(backbone, data.train, data.labels.length);
  log("MobileNetV2 head: extracting features once (1 view per image) …");
  const extractionStarted = performance.now();
  await cachedFeatures(
    cacheDir,
    {
      datasetVersion: "bench",
      split: "train",
      backboneId: MOBILENET_V2_BACKBONE_ID,
      taps: ["out_relu"],
      imageSize: MOBILENET_SIZE,
      augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
      views: 1,
      seed: 1,
    },
    backbone,
    data.train,
  );
  const extractionSeconds = (performance.now() - extractionStarted) / 1000;
  backbone.dispose();
  log("MobileNetV2 head: 5 epochs on cached features …");
  const result = await train({
    hyperparameters: withDefaults({
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "HEAD",
      imageSize: MOBILENET_SIZE,
      epochs: 5,
      seed: 1,
    }),
    data,
    checkpointDir: path.join(directory, "mobilenet"),
    cacheDir,
    datasetVersion: "bench",
    featureViews: 1,
  });
  // Epoch 1 also extracts the validation features; time the later, steady-state epochs.
  const steady = result.epochs.slice(1);
  const cachedImagesPerSecond = steady.reduce((sum, e) => sum + e.imagesPerSecond, 0) / steady.length;
  const rows: Row[] = [
    {
      work: `MobileNetV2 head fine-tune, ${MOBILENET_SIZE} px`,
      backend: "wasm, backbone recomputed every epoch",
      imagesPerSecond: uncached,
      epochSeconds: TRAIN_IMAGES / uncached,
      basis: `${UNCACHED_TIMED_BATCHES} batches of 40, extrapolated`,
    },
    {
      work: `MobileNetV2 head fine-tune, ${MOBILENET_SIZE} px`,
      backend: "wasm, cached features",
      imagesPerSecond: cachedImagesPerSecond,
      epochSeconds: TRAIN_IMAGES / cachedImagesPerSecond,
      basis: `mean of epochs 2–5 (val acc ${(result.epochs[4].valAccuracy * 100).toFixed(0)} %)`,
    },
    {
      work: "  one-time feature extraction (1,820 images)",
      backend: "wasm",
      imagesPerSecond: TRAIN_IMAGES / extractionSeconds,
      epochSeconds: extractionSeconds,
      basis: "paid once per (dataset, backbone, size, augmentation draw)",
    },
  ];
  return { rows, ratio: rows[0].epochSeconds / rows[1].epochSeconds };
}

function formatTable(rows: Row[]): string {
  const header = ["work", "backend", "images/s", "epoch (1,820 imgs)", "measured on"];
  const cells = rows.map((r) => [
    r.work,
    r.backend,
    r.imagesPerSecond >= 100 ? r.imagesPerSecond.toFixed(0) : r.imagesPerSecond.toPrecision(3),
    r.epochSeconds >= 100
      ? `${(r.epochSeconds / 60).toFixed(1)} min`
      : `${r.epochSeconds.toFixed(r.epochSeconds < 1 ? 3 : 1)} s`,
    r.basis,
  ]);
  const lines = [header, header.map(() => "---"), ...cells].map((row) => `| ${row.join(" | ")} |`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "logolab-bench-train-"));
  try {
    log(`generating ${TRAIN_IMAGES} + ${CLASSES * VALIDATION_PER_CLASS} images in ${directory} …`);
    const perClass = TRAIN_IMAGES / CLASSES + VALIDATION_PER_CLASS;
    const { labels, items } = await writeShapeDataset({
      directory: path.join(directory, "images"),
      classCount: CLASSES,
      imagesPerClass: perClass,
      seed: 1,
      size: 128,
    });
    const { train: trainItems, validation } = splitItems(items, VALIDATION_PER_CLASS, 0);
    const data: TrainingData = { labels, train: trainItems, validation };
    const alexnet = await alexnetRows(data, directory);
    const mobilenet = await mobilenetRows(data, directory);
    const wasmVsCpu = alexnet[0].imagesPerSecond / alexnet[1].imagesPerSecond;
    console.log(`bench:train on ${os.cpus().length} cores, Node ${process.version}, tfjs ${tf.version.tfjs}`);
    console.log(formatTable([...alexnet, ...mobilenet.rows]));
    console.log(
      `bench:train wasm_vs_cpu=${wasmVsCpu.toFixed(1)} cached_vs_uncached=${mobilenet.ratio.toFixed(1)}`,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
