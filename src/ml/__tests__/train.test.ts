import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { selectBackend } from "../backend";
import { Classifier } from "../../serving/classifier";
import { withDefaults, type Hyperparameters } from "../hyperparameters";
import { fileModelHandler } from "../modelFiles";
import { resnet18v2 } from "../models/resnet18v2";
import { train, type TrainingData } from "../train";
import { splitItems, writeShapeDataset } from "./fixtures/shapeImages";

const HYPERPARAMETERS: Hyperparameters = withDefaults({
  architecture: "ALEXNET_LITE",
  imageSize: 96,
  batchSize: 8,
  epochs: 3,
  optimizer: "MOMENTUM",
  learningRate: 0.01,
  seed: 7,
});

describe("train (AlexNet-lite, 96 px, 4 generated classes)", () => {
  let directory: string;
  let data: TrainingData;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-train-"));
    const { labels, items } = await writeShapeDataset({
      directory: path.join(directory, "images"),
      classCount: 4,
      imagesPerClass: 22,
      seed: 3,
    });
    data = { labels, ...splitItems(items, 4, 4) };
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  let result: Awaited<ReturnType<typeof train>>;
  const tensorsAtEpochEnd: number[] = [];
  let tensorsBefore = 0;

  it("trains 3 epochs and beats chance (25 %) clearly on validation", async () => {
    tensorsBefore = tf.memory().numTensors;
    result = await train({
      hyperparameters: HYPERPARAMETERS,
      data,
      checkpointDir: path.join(directory, "run"),
      keepEveryEpoch: true,
      onEpoch: () => void tensorsAtEpochEnd.push(tf.memory().numTensors),
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const best = result.epochs.find((e) => e.epoch === result.bestEpoch)!;
    expect(best.valAccuracy).toBeGreaterThanOrEqual(0.6);
    expect(best.majorityBaselineAccuracy).toBe(0.25);
    expect(best.confusionMatrix.labels).toEqual(data.labels);
    expect(best.testAccuracy).toBeDefined();
  });

  it("leaves the tensor count unchanged across epochs and after the run", () => {
    // Epoch 1 creates the momentum accumulators; from then on the count is flat.
    expect(new Set(tensorsAtEpochEnd.slice(1)).size).toBe(1);
    expect(tensorsAtEpochEnd).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it("keeps the best epoch by validation macro-F1 and the last epoch as checkpoints", async () => {
    const best = JSON.parse(await readFile(path.join(directory, "run", "best", "manifest.json"), "utf8"));
    const last = JSON.parse(await readFile(path.join(directory, "run", "last", "manifest.json"), "utf8"));
    expect(best.epoch).toBe(result.bestEpoch);
    expect(last.epoch).toBe(3);
    expect(last.training.optimizer.name).toBe("MOMENTUM");
    const maxF1 = Math.max(...result.epochs.map((e) => e.valMacroF1));
    expect(best.metrics.valMacroF1).toBe(maxF1);
    // Without a no-logo class there is no no-logo threshold to choose (isLogo is then always true).
    expect(best.noLogoThreshold).toBeUndefined();
  });

  it("reproduces epoch 3 exactly when resumed from the epoch-2 checkpoint", async () => {
    const resumed = await train({
      hyperparameters: HYPERPARAMETERS,
      data,
      checkpointDir: path.join(directory, "resumed"),
      resumeFrom: path.join(directory, "run", "epoch-002"),
    });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const [original, again] = [result.epochs[2], resumed.epochs[2]];
    expect(again.loss).toBe(original.loss);
    expect(again.trainAccuracy).toBe(original.trainAccuracy);
    expect(again.valAccuracy).toBe(original.valAccuracy);
    const manifest = (dir: string) =>
      readFile(path.join(dir, "last", "manifest.json"), "utf8").then(JSON.parse);
    expect((await manifest(path.join(directory, "resumed"))).weightsSha256).toBe(
      (await manifest(path.join(directory, "run"))).weightsSha256,
    );
  });

  it("serves the best checkpoint (the Classifier, as classifyImage does) and leaks nothing over 100 predictions", async () => {
    const best = path.join(directory, "run", "best");
    const classifier = new Classifier();
    const images = await Promise.all(data.validation.map((item) => readFile(item.source as string)));
    await classifier.classify(best, images[0], 1);
    const before = tf.memory().numTensors;
    let correct = 0;
    for (let i = 0; i < 100; i++) {
      const output = await classifier.classify(best, images[i % images.length], 1);
      if (output.label === data.labels[data.validation[i % images.length].label]) correct++;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(correct / 100).toBeGreaterThan(0.5);
    await classifier.close();
  });

  it("stops between batches when cancelled and discards the partial epoch", async () => {
    let batches = 0;
    const cancelled = await train({
      hyperparameters: { ...HYPERPARAMETERS, epochs: 1 },
      data,
      checkpointDir: path.join(directory, "cancelled"),
      onBatch: () => void batches++,
      shouldStop: () => batches >= 2,
    });
    expect(cancelled).toEqual({
      status: "CANCELLED",
      epochs: [],
      bestEpoch: null,
      bestCheckpoint: null,
      lastCheckpoint: null,
    });
    expect(batches).toBe(2);
  });

  it("honours an AbortSignal that is already aborted without training a batch", async () => {
    let batches = 0;
    const controller = new AbortController();
    controller.abort();
    const cancelled = await train({
      hyperparameters: HYPERPARAMETERS,
      data,
      checkpointDir: path.join(directory, "aborted"),
      onBatch: () => void batches++,
      signal: controller.signal,
    });
    expect(cancelled.status).toBe("CANCELLED");
    expect(batches).toBe(0);
  });

  it("rejects a label outside the class list before training", async () => {
    const bad = { ...data, validation: [{ source: "x.png", label: 4 }] };
    await expect(
      train({ hyperparameters: HYPERPARAMETERS, data: bad, checkpointDir: directory }),
    ).rejects.toThrow("validation image x.png has label 4, outside 0…3");
  });

  it("fine-tunes RESNET18_V2 from pretrained weights on a path, leaking no tensors", async () => {
    const weightsDir = path.join(directory, "resnet-weights");
    const pretrained = resnet18v2({ imageSize: 64, classCount: 10, seed: 1 });
    await pretrained.save(fileModelHandler(weightsDir));
    pretrained.dispose();
    const before = tf.memory().numTensors;
    const result = await train({
      hyperparameters: {
        ...HYPERPARAMETERS,
        architecture: "RESNET18_V2",
        pretrained: true,
        imageSize: 64,
        epochs: 1,
      },
      data: { ...data, train: data.train.slice(0, 8), validation: data.validation.slice(0, 4), test: [] },
      checkpointDir: path.join(directory, "resnet"),
      pretrainedWeights: weightsDir,
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(Number.isFinite(result.epochs[0].loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000); // ResNet-18 is slow on 2 shared cores

  it("rejects AlexNet-lite below 96 px with a ValidationError naming imageSize", async () => {
    const run = train({
      hyperparameters: { ...HYPERPARAMETERS, imageSize: 64 },
      data,
      checkpointDir: directory,
    });
    await expect(run).rejects.toThrow(ValidationError);
    await expect(run).rejects.toMatchObject({ details: { field: "imageSize" } });
  });
});
